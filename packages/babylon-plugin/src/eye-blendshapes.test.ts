import { describe, expect, it } from 'vitest';
import type { EyeObservation, EyesObservation } from '@prnet/core';
import { ARKIT_COUNT, arkitIndex } from './arkit.js';
import { EyeBlendshapes } from './eye-blendshapes.js';
import { FaceSolver } from './face-solver.js';
import { rotationFromAngles, type FaceReconstruction } from '@prnet/core';

function eye(openness: number, gazeX = 0, gazeY = 0): EyeObservation {
  return { width: 30, openness, gazeX, gazeY, contour: new Float32Array(32), iris: new Float32Array(10) };
}
const eyes = (right: EyeObservation, left: EyeObservation): EyesObservation => ({ right, left });
const w = (out: Float32Array, name: string) => out[arkitIndex(name)];

describe('EyeBlendshapes', () => {
  it('maps openness to eyeBlink and eyeWide around the relaxed openness', () => {
    const solver = new EyeBlendshapes({ defaultOpenness: 0.25, closedOpenness: 0.05, wideRange: 0.5 });
    const out = new Float32Array(ARKIT_COUNT);
    solver.apply(eyes(eye(0.25), eye(0.05)), out);
    expect(w(out, 'eyeBlinkRight')).toBeCloseTo(0, 6);
    expect(w(out, 'eyeBlinkLeft')).toBeCloseTo(1, 6);
    solver.apply(eyes(eye(0.15), eye(0.3125)), out);
    expect(w(out, 'eyeBlinkRight')).toBeCloseTo(0.5, 6);
    expect(w(out, 'eyeWideLeft')).toBeCloseTo(0.5, 6);
    expect(w(out, 'eyeBlinkLeft')).toBe(0);
    // Calibrating on narrower eyes makes the same openness read as relaxed.
    solver.calibrate(eyes(eye(0.15), eye(0.15)));
    expect(solver.calibrated).toBe(true);
    solver.apply(eyes(eye(0.15), eye(0.1)), out);
    expect(w(out, 'eyeBlinkRight')).toBeCloseTo(0, 6);
    expect(w(out, 'eyeBlinkLeft')).toBeCloseTo(0.5, 6);
    // A calibration with shut eyes is floored (closed + 0.05), so open eyes do not read as "wide" forever.
    solver.calibrate(eyes(eye(0.02), eye(0.02)));
    solver.apply(eyes(eye(0.1), eye(0.1)), out);
    expect(w(out, 'eyeBlinkRight')).toBeCloseTo(0, 6);
    solver.resetCalibration();
    expect(solver.calibrated).toBe(false);
  });

  it('maps the iris offset to eyeLookIn/Out/Up/Down per eye, relative to the calibrated look', () => {
    const solver = new EyeBlendshapes({ gazeRange: 0.1 });
    const out = new Float32Array(ARKIT_COUNT);
    // Both irises towards the image's right (+x): the subject looks to their left —
    // the right eye (image-left) turns in, the left eye out.
    solver.apply(eyes(eye(0.25, 0.05), eye(0.25, 0.05)), out);
    expect(w(out, 'eyeLookInRight')).toBeCloseTo(0.5, 6);
    expect(w(out, 'eyeLookOutLeft')).toBeCloseTo(0.5, 6);
    expect(w(out, 'eyeLookOutRight')).toBe(0);
    expect(w(out, 'eyeLookInLeft')).toBe(0);
    solver.apply(eyes(eye(0.25, 0, -0.2), eye(0.25, 0, 0.05)), out);
    expect(w(out, 'eyeLookUpRight')).toBeCloseTo(1, 6);
    expect(w(out, 'eyeLookDownLeft')).toBeCloseTo(0.5, 6);
    // Relative to the calibrated look; and faded while the eye closes.
    solver.calibrate(eyes(eye(0.25, 0.05), eye(0.25, 0.05)));
    solver.apply(eyes(eye(0.25, 0.05), eye(0.15, 0.1)), out);
    expect(w(out, 'eyeLookInRight')).toBeCloseTo(0, 6);
    expect(w(out, 'eyeLookOutLeft')).toBeCloseTo(0.5 * 0.5, 6);
  });
});

describe('FaceSolver with eye measures', () => {
  const face = { pose: { rotation: rotationFromAngles(0, 0, 0), pitch: 0, yaw: 0, roll: 0 } } as unknown as FaceReconstruction;

  it('sets the eye weights from the eyes, mirrored like the rest', () => {
    const plain = new FaceSolver(undefined, { mirror: false, smoothing: false });
    const mirrored = new FaceSolver(undefined, { mirror: true, smoothing: false });
    const shut = eyes(eye(0.25), eye(0.05)); // the subject's left eye closed
    expect(w(plain.solve(face, 0, 0, shut).blendshapes, 'eyeBlinkLeft')).toBeCloseTo(1, 6);
    expect(w(plain.frame.blendshapes, 'eyeBlinkRight')).toBeCloseTo(0, 6);
    expect(w(mirrored.solve(face, 0, 0, shut).blendshapes, 'eyeBlinkRight')).toBeCloseTo(1, 6);
    // Without eyes (and no estimator) the weights stay 0.
    expect(Math.max(...plain.solve(face, 1).blendshapes)).toBe(0);
    plain.calibrate(face, eyes(eye(0.1), eye(0.1)));
    expect(plain.eyes.calibrated).toBe(true);
    expect(w(plain.solve(face, 2, 0, eyes(eye(0.1), eye(0.1))).blendshapes, 'eyeBlinkLeft')).toBeCloseTo(0, 6);
    plain.resetCalibration();
    expect(plain.eyes.calibrated).toBe(false);
  });
});

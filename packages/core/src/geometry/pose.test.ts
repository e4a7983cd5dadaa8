import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { posedPositionMap } from '../testing/synthetic-face.js';
import { syntheticLayout } from '../testing/synthetic-layout.js';
import { rotationDistanceDegrees, rotationFromAngles, multiply3, transpose3 } from './euler-angles.js';
import { denseVertices } from './extract.js';
import { IMPLAUSIBLE_POSE_RESIDUAL_CM, MODEL_FRONTAL_PITCH_DEGREES, estimatePose, estimatePoseFromPoints, poseResidualCm, poseSubset } from './pose.js';

describe('estimatePose', () => {
  const layout = syntheticLayout({ resolution: 48 });
  const cases: [number, number, number][] = [];
  for (const yaw of [-90, -60, -25, 0, 40, 75, 90])
    for (const pitch of [-45, 0, 30])
      for (const roll of [-45, 10, 45]) cases.push([pitch, yaw, roll]);

  it('recovers known rotations, scale and translation from a posed mean face (raw model frame)', () => {
    for (const [pitch, yaw, roll] of cases) {
      const R = rotationFromAngles(pitch, yaw, roll);
      const pm = posedPositionMap(layout, { rotation: R, scale: 7.5, translation: [220, 180, -15] });
      const pose = estimatePose(pm, layout, { referencePitchDegrees: 0 });
      expect(rotationDistanceDegrees(pose.rotation, R)).toBeLessThan(0.5);
      expect(rotationDistanceDegrees(pose.modelRotation, R)).toBeLessThan(0.5);
      expect(Math.abs(pose.yaw - yaw)).toBeLessThan(0.5);
      if (Math.abs(yaw) < 90) {
        // (at ±90° yaw, pitch and roll are one degree of freedom: only the rotation is defined)
        expect(Math.abs(pose.pitch - pitch)).toBeLessThan(0.5);
        expect(Math.abs(pose.roll - roll)).toBeLessThan(0.5);
      }
      expect(pose.scale).toBeCloseTo(7.5, 4);
      expect(Array.from(pose.translation).map((v) => Math.round(v * 1000) / 1000)).toEqual([220, 180, -15]);
      expect(Array.from(rotationFromAngles(pose.pitch, pose.yaw, pose.roll))).toEqual(Array.from(pose.rotation));
    }
  });

  it('reports angles relative to the AFLW reference pitch by default', () => {
    const head = rotationFromAngles(-20, 35, 5);
    // the model frame sits MODEL_FRONTAL_PITCH_DEGREES away from the AFLW head frame
    const modelRotation = multiply3(head, transpose3(rotationFromAngles(MODEL_FRONTAL_PITCH_DEGREES, 0, 0)));
    const pm = posedPositionMap(layout, { rotation: modelRotation, scale: 4, translation: [100, 120, 0] });
    const pose = estimatePose(pm, layout);
    expect(pose.pitch).toBeCloseTo(-20, 3);
    expect(pose.yaw).toBeCloseTo(35, 3);
    expect(pose.roll).toBeCloseTo(5, 3);
    expect(rotationDistanceDegrees(pose.modelRotation, modelRotation)).toBeLessThan(1e-3);
    // A model frame aligned with the camera reads as the reference pitch.
    const frontal = estimatePose(posedPositionMap(layout), layout);
    expect(frontal.pitch).toBeCloseTo(MODEL_FRONTAL_PITCH_DEGREES, 4);
    expect(frontal.yaw).toBeCloseTo(0, 4);
  });

  it('accepts dense vertices as well as the position map, and tolerates noise', () => {
    const R = rotationFromAngles(15, -50, -8);
    const pm = posedPositionMap(layout, { rotation: R, scale: 10, translation: [128, 128, 0] });
    let seed = 1;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2; // ±1 px
    for (let i = 0; i < pm.length; i++) if (pm[i] !== 0) pm[i] += noise();
    const a = estimatePose(pm, layout, { referencePitchDegrees: 0 });
    const b = estimatePose(denseVertices(pm, layout), layout, { referencePitchDegrees: 0 });
    expect(rotationDistanceDegrees(a.rotation, R)).toBeLessThan(0.5);
    expect(rotationDistanceDegrees(a.rotation, b.rotation)).toBeLessThan(1e-9);
    expect(a.rms).toBeGreaterThan(0.3);
    expect(a.rms).toBeLessThan(1.2);
  });

  it('poseResidualCm measures the shape error in model centimetres, whatever the face size in pixels', () => {
    const R = rotationFromAngles(-10, 30, 5);
    const noisy = (scale: number, amplitudeCm: number) => {
      const pm = posedPositionMap(layout, { rotation: R, scale, translation: [200, 200, 0] });
      let seed = 7;
      const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2;
      for (let i = 0; i < pm.length; i++) if (pm[i] !== 0) pm[i] += noise() * amplitudeCm * scale;
      return estimatePose(pm, layout);
    };
    const small = noisy(3, 0.4);
    const large = noisy(12, 0.4);
    expect(large.rms / small.rms).toBeCloseTo(4, 1); // pixels grow with the face…
    expect(poseResidualCm(large)).toBeCloseTo(poseResidualCm(small), 3); // …centimetres do not
    expect(poseResidualCm(small)).toBeLessThan(IMPLAUSIBLE_POSE_RESIDUAL_CM);
    // a map three times as distorted as the threshold is implausible
    expect(poseResidualCm(noisy(6, 3 * IMPLAUSIBLE_POSE_RESIDUAL_CM))).toBeGreaterThan(IMPLAUSIBLE_POSE_RESIDUAL_CM);
  });

  it('caches a well-spread subset per layout', () => {
    const s = poseSubset(layout);
    expect(poseSubset(layout)).toBe(s);
    expect(s.pixels.length).toBeGreaterThan(300);
    for (const p of layout.landmarkPixels) expect(s.pixels).toContain(p);
  });

  it('rejects surfaces of the wrong size', () => {
    expect(() => estimatePose(new Float32Array(12), layout)).toThrow(InvalidArgumentError);
  });

  it('estimatePoseFromPoints flips y: a y-down copy of the model is frontal', () => {
    const model = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];
    const image = model.map((v, i) => (i % 3 === 1 ? -v : v) * 2 + 5);
    const pose = estimatePoseFromPoints(model, image, { referencePitchDegrees: 0 });
    expect(pose.pitch).toBeCloseTo(0, 9);
    expect(pose.yaw).toBeCloseTo(0, 9);
    expect(pose.roll).toBeCloseTo(0, 9);
    expect(pose.scale).toBeCloseTo(2, 9);
  });
});

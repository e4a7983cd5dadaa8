import { describe, expect, it } from 'vitest';
import { estimatePose, rotationFromAngles, type FaceReconstruction } from '@prnet/core';
import { arkitIndex } from './arkit.js';
import { createBlendshapeEstimator } from './blendshape-estimator.js';
import { FaceSolver } from './face-solver.js';
import { ICT_MISSING_MESSAGE, loadIctFixture, shippedBasis, shippedLayout } from './testing/ict-faces.js';

/** A reconstruction carrying only a pose (enough when the solver has no estimator). */
function posed(pitch: number, yaw: number, roll: number): FaceReconstruction {
  return { pose: { rotation: rotationFromAngles(pitch, yaw, roll), pitch, yaw, roll } } as unknown as FaceReconstruction;
}

describe('FaceSolver: head pose', () => {
  it('reports the pose unmirrored, and negates yaw and roll when mirrored', () => {
    const plain = new FaceSolver(undefined, { mirror: false, smoothing: false });
    const f = plain.solve(posed(10, 25, -5), 0);
    expect(f.pitch).toBeCloseTo(10, 6);
    expect(f.yaw).toBeCloseTo(25, 6);
    expect(f.roll).toBeCloseTo(-5, 6);
    const mirrored = new FaceSolver(undefined, { mirror: true, smoothing: false });
    const g = mirrored.solve(posed(10, 25, -5), 0);
    expect(g.pitch).toBeCloseTo(10, 6);
    expect(g.yaw).toBeCloseTo(-25, 6);
    expect(g.roll).toBeCloseTo(5, 6);
    // The quaternions differ (mirror image) but are both unit.
    expect(Math.hypot(...f.headRotation)).toBeCloseTo(1, 9);
    expect(f.headRotation[1]).toBeCloseTo(-g.headRotation[1], 9);
  });

  it('calibration makes the neutral pose straight ahead', () => {
    const solver = new FaceSolver(undefined, { mirror: false, smoothing: false });
    solver.calibrate({ ...posed(5, 10, 0), vertices: new Float32Array(0) } as FaceReconstruction);
    expect(solver.calibrated).toBe(true);
    const f = solver.solve(posed(5, 10, 0), 0);
    expect(Math.abs(f.yaw) + Math.abs(f.pitch) + Math.abs(f.roll)).toBeLessThan(1e-6);
    expect(f.headRotation[3]).toBeCloseTo(1, 9);
    expect(solver.solve(posed(5, 30, 0), 1).yaw).toBeCloseTo(20, 0);
    solver.resetCalibration();
    expect(solver.solve(posed(5, 30, 0), 2).yaw).toBeCloseTo(30, 6);
  });

  it('smooths jitter and follows a step with the One Euro filter', () => {
    const solver = new FaceSolver(undefined, { mirror: false });
    let t = 0;
    for (let i = 0; i < 30; i++) solver.solve(posed(0, 0, 0), (t += 33));
    const first = solver.solve(posed(0, 20, 0), (t += 33)).yaw;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(20);
    let last = 0;
    for (let i = 0; i < 60; i++) last = solver.solve(posed(0, 20, 0), (t += 33)).yaw;
    expect(last).toBeCloseTo(20, 1);
    solver.smoothing = false;
    expect(solver.solve(posed(0, -10, 0), (t += 33)).yaw).toBeCloseTo(-10, 6);
  });

  it('reuses one frame object (no per-frame allocation of results)', () => {
    const solver = new FaceSolver(undefined);
    const a = solver.solve(posed(0, 1, 0), 0);
    const b = solver.solve(posed(0, 2, 0), 16);
    expect(a).toBe(b);
    expect(a.headRotation).toBe(b.headRotation);
  });
});

const fixture = loadIctFixture();
if (!fixture) console.warn(ICT_MISSING_MESSAGE);

describe.skipIf(!fixture)('FaceSolver: expression from a dense mesh with known parameters', () => {
  const layout = shippedLayout();
  const reconstruction = (options: Parameters<NonNullable<typeof fixture>['face']>[0]): FaceReconstruction => {
    const vertices = fixture!.face(options);
    return { vertices, pose: estimatePose(vertices, layout) } as unknown as FaceReconstruction;
  };

  it('reads the yaw of a rendered head and its blink; mirroring swaps the eyes', () => {
    const solver = new FaceSolver(createBlendshapeEstimator(shippedBasis(), layout), { mirror: false, smoothing: false });
    const face = reconstruction({ yaw: 30, arkit: { eyeBlinkLeft: 1, jawOpen: 0.5 } });
    solver.solve(face, 0);
    const f = solver.solve(face, 33);
    expect(f.yaw).toBeGreaterThan(27);
    expect(f.yaw).toBeLessThan(33);
    expect(f.blendshapes[arkitIndex('eyeBlinkLeft')]).toBeGreaterThan(0.85);
    expect(f.blendshapes[arkitIndex('eyeBlinkRight')]).toBeLessThan(0.15);
    solver.mirror = true;
    solver.solve(face, 66);
    const g = solver.solve(face, 99);
    expect(g.yaw).toBeLessThan(-27);
    expect(g.blendshapes[arkitIndex('eyeBlinkRight')]).toBeGreaterThan(0.85);
    expect(g.blendshapes[arkitIndex('eyeBlinkLeft')]).toBeLessThan(0.15);
    expect(g.blendshapes[arkitIndex('jawOpen')]).toBeGreaterThan(0.4);
  });

  it('calibrates head and expression on a neutral face', () => {
    const solver = new FaceSolver(createBlendshapeEstimator(shippedBasis(), layout), { mirror: false, smoothing: false });
    const identity = [1, -1, 0.5, 0.8];
    solver.calibrate(reconstruction({ identity, yaw: 8, pitch: -6 }));
    const f = solver.solve(reconstruction({ identity, yaw: 8, pitch: -6 }), 0);
    expect(Math.abs(f.yaw)).toBeLessThan(1);
    expect(Math.abs(f.pitch)).toBeLessThan(1);
    expect(Math.max(...f.blendshapes)).toBeLessThan(0.05);
  });
});

import { describe, expect, it } from 'vitest';
import { ARKIT_BLENDSHAPES, arkitIndex } from './arkit.js';
import { createBlendshapeEstimator } from './blendshape-estimator.js';
import { decodeBlendshapeBasis, encodeBlendshapeBasis } from './blendshape-basis.js';
import { ICT_MISSING_MESSAGE, loadIctFixture, shippedBasis, shippedLayout } from './testing/ict-faces.js';

const fixture = loadIctFixture();
if (!fixture) console.warn(ICT_MISSING_MESSAGE);

describe('blendshape basis asset', () => {
  it('decodes, matches the shipped layout and round-trips', () => {
    const basis = shippedBasis();
    const layout = shippedLayout();
    expect(basis.resolution).toBe(layout.resolution);
    expect(basis.names).toContain('jawOpen');
    expect(basis.names).not.toContain('tongueOut');
    expect(basis.pixels.every((p) => layout.mask[p] === 1)).toBe(true);
    const again = decodeBlendshapeBasis(encodeBlendshapeBasis(basis));
    expect(again.names).toEqual(basis.names);
    let worst = 0;
    again.deltas.forEach((d, i) => (worst = Math.max(worst, Math.abs(d - basis.deltas[i]))));
    expect(worst).toBeLessThan(2e-4);
  });

  it('rejects malformed bytes with InvalidBasisError', () => {
    expect(() => decodeBlendshapeBasis(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/magic/);
    const bytes = encodeBlendshapeBasis(shippedBasis());
    expect(() => decodeBlendshapeBasis(bytes.subarray(0, bytes.length - 2))).toThrow(/bytes/);
  });
});

describe.skipIf(!fixture)('blendshapes from a dense mesh with known expression', () => {
  const basis = shippedBasis();
  const layout = shippedLayout();

  function estimate(vertices: Float32Array, estimator = createBlendshapeEstimator(basis, layout)): Float32Array {
    estimator.estimate(vertices); // warm start, as in a video
    return Float32Array.from(estimator.estimate(vertices));
  }
  const w = (weights: Float32Array, name: string) => weights[arkitIndex(name)];

  it('gives ~0 for the neutral mean face', () => {
    const weights = estimate(fixture!.face({}));
    expect(Math.max(...weights)).toBeLessThan(0.05);
  });

  const single: [string, number][] = [
    ['jawOpen', 0.7],
    ['eyeBlinkLeft', 1],
    ['eyeBlinkRight', 0.6],
    ['mouthSmileLeft', 0.8],
    ['mouthSmileRight', 0.5],
    ['mouthFrownLeft', 0.7],
    ['mouthPucker', 0.8],
    ['mouthFunnel', 0.7],
    ['browInnerUp', 0.8],
    ['browDownLeft', 0.7],
    ['browOuterUpRight', 0.8],
    ['cheekPuff', 0.8],
    ['eyeWideLeft', 0.8],
    ['eyeSquintRight', 0.7],
    ['jawLeft', 0.6],
    ['mouthLeft', 0.6],
  ];
  it.each(single)('recovers %s = %s alone (head turned 20°, pitched 10°)', (name, value) => {
    const weights = estimate(fixture!.face({ arkit: { [name]: value }, yaw: 20, pitch: 10, roll: -5 }));
    expect(w(weights, name)).toBeGreaterThan(value - 0.12);
    expect(w(weights, name)).toBeLessThan(value + 0.12);
    // Other shapes stay small.
    const others = ARKIT_BLENDSHAPES.filter((n) => n !== name).map((n) => w(weights, n));
    expect(Math.max(...others)).toBeLessThan(0.2);
  });

  it('recovers a combined expression', () => {
    const arkit = { jawOpen: 0.5, eyeBlinkLeft: 0.9, eyeBlinkRight: 0.9, mouthSmileLeft: 0.6, mouthSmileRight: 0.6, browInnerUp: 0.5 };
    const weights = estimate(fixture!.face({ arkit, yaw: -25 }));
    for (const [name, value] of Object.entries(arkit)) {
      expect(Math.abs(w(weights, name) - value), name).toBeLessThan(0.15);
    }
  });

  it('calibration removes the user\'s identity from the expression', () => {
    const identity = [1.2, -1, 0.8, 0, 1, -0.7, 0.5, 0, 0, 0.9];
    const estimator = createBlendshapeEstimator(basis, layout);
    const neutral = fixture!.face({ identity, yaw: 5 });
    const before = estimate(neutral, estimator);
    estimator.calibrate(neutral);
    expect(estimator.calibrated).toBe(true);
    const after = estimate(neutral, estimator);
    expect(Math.max(...after)).toBeLessThan(0.03);
    expect(Math.max(...after)).toBeLessThanOrEqual(Math.max(...before));
    const open = estimate(fixture!.face({ identity, yaw: 5, arkit: { jawOpen: 0.6, eyeBlinkRight: 1 } }), estimator);
    expect(Math.abs(w(open, 'jawOpen') - 0.6)).toBeLessThan(0.12);
    expect(Math.abs(w(open, 'eyeBlinkRight') - 1)).toBeLessThan(0.12);
    estimator.resetCalibration();
    expect(estimator.calibrated).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { rotationDistanceDegrees, rotationFromAngles } from './euler-angles.js';
import { fitSimilarity } from './procrustes.js';

function randomPoints(n: number, seed: number): Float64Array {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Float64Array.from({ length: n * 3 }, rand);
}

function transform(points: Float64Array, R: Float64Array, s: number, t: number[]): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i += 3) {
    const [x, y, z] = [points[i], points[i + 1], points[i + 2]];
    for (let a = 0; a < 3; a++) out[i + a] = s * (R[3 * a] * x + R[3 * a + 1] * y + R[3 * a + 2] * z) + t[a];
  }
  return out;
}

describe('fitSimilarity', () => {
  it('recovers an exact similarity, including 180° rotations', () => {
    const src = randomPoints(50, 7);
    for (const [p, y, r] of [[10, 20, 30], [0, 0, 180], [179, 0, 0], [-60, 89, -120]]) {
      const R = rotationFromAngles(p, y, r);
      const fit = fitSimilarity(src, transform(src, R, 3.5, [10, -20, 5]));
      expect(rotationDistanceDegrees(fit.rotation, R)).toBeLessThan(1e-5);
      expect(fit.scale).toBeCloseTo(3.5, 9);
      expect(Array.from(fit.translation).map((v) => +v.toFixed(6))).toEqual([10, -20, 5]);
      expect(fit.rms).toBeLessThan(1e-6);
    }
  });

  it('ignores points with zero weight', () => {
    const src = randomPoints(40, 3);
    const R = rotationFromAngles(5, -40, 12);
    const dst = transform(src, R, 2, [1, 2, 3]);
    const weights = new Float64Array(40).fill(1);
    for (let i = 0; i < 10; i++) {
      dst[3 * i] += 50; // outliers
      weights[i] = 0;
    }
    const fit = fitSimilarity(src, dst, weights);
    expect(rotationDistanceDegrees(fit.rotation, R)).toBeLessThan(1e-5);
    expect(fitSimilarity(src, dst).rms).toBeGreaterThan(5);
  });

  it('rejects bad input', () => {
    expect(() => fitSimilarity([0, 0, 0], [0, 0])).toThrow(InvalidArgumentError);
    expect(() => fitSimilarity([1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1])).toThrow(InvalidArgumentError);
  });
});

import { describe, expect, it } from 'vitest';
import { OneEuroFilter } from './one-euro.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('OneEuroFilter', () => {
  it('passes the first value through and converges to a constant', () => {
    const f = new OneEuroFilter(1);
    const v = new Float32Array([5]);
    f.filter(v, 1 / 30);
    expect(v[0]).toBe(5);
    for (let i = 0; i < 200; i++) {
      v[0] = 1;
      f.filter(v, 1 / 30);
    }
    expect(v[0]).toBeCloseTo(1, 4);
  });

  it('reduces jitter on a still signal', () => {
    const f = new OneEuroFilter(1, { minCutoff: 1, beta: 0 });
    const r = rng(1);
    let rawVar = 0;
    let outVar = 0;
    const v = new Float64Array(1);
    for (let i = 0; i < 600; i++) {
      const noise = (r() - 0.5) * 2;
      v[0] = noise;
      f.filter(v, 1 / 30);
      if (i > 30) {
        rawVar += noise * noise;
        outVar += v[0] * v[0];
      }
    }
    expect(outVar).toBeLessThan(rawVar * 0.25);
  });

  it('lags less on a fast move when beta is higher', () => {
    const lagAfterStep = (beta: number): number => {
      const f = new OneEuroFilter(1, { minCutoff: 1, beta });
      const v = new Float64Array(1);
      for (let i = 0; i < 30; i++) {
        v[0] = 0;
        f.filter(v, 1 / 30);
      }
      for (let i = 0; i < 5; i++) {
        v[0] = 30 * (i + 1); // a fast ramp
        f.filter(v, 1 / 30);
      }
      return 150 - v[0];
    };
    expect(lagAfterStep(1)).toBeLessThan(lagAfterStep(0) * 0.5);
  });

  it('passes values through when disabled and after reset', () => {
    const f = new OneEuroFilter(2);
    const v = new Float32Array([0, 0]);
    f.filter(v, 0.1);
    f.enabled = false;
    v.set([3, 4]);
    f.filter(v, 0.1);
    expect(Array.from(v)).toEqual([3, 4]);
    f.enabled = true;
    f.reset();
    v.set([7, 8]);
    f.filter(v, 0.1);
    expect(Array.from(v)).toEqual([7, 8]);
  });
});

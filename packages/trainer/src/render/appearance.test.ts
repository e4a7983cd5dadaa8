import { describe, expect, it } from 'vitest';
import { paintBackground, randomAppearance, resolveAppearance, skinAlbedo } from './appearance.js';
import { createRng, fbm3, valueNoise3 } from './procedural.js';
import { createRasterTarget } from './rasteriser.js';

describe('procedural helpers', () => {
  it('seeded RNG and noise are deterministic and in range', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
    for (let i = 0; i < 200; i++) {
      const n = valueNoise3(i * 0.37, i * 0.11, i * 0.05, 3);
      expect(Math.abs(n)).toBeLessThanOrEqual(1);
    }
    // Smooth: nearby points have nearby values; lattice points are reproducible.
    expect(Math.abs(fbm3(1.5, 2.5, 0.5, 1) - fbm3(1.501, 2.5, 0.5, 1))).toBeLessThan(0.02);
    expect(valueNoise3(2, 3, 4, 9)).toBe(valueNoise3(2, 3, 4, 9));
  });
});

describe('appearance', () => {
  it('skin albedo darkens monotonically from light to dark', () => {
    let prev = Infinity;
    for (let t = 0; t <= 1; t += 0.1) {
      const [r, g, b] = skinAlbedo(t);
      const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      expect(y).toBeLessThan(prev);
      expect(r).toBeGreaterThan(b); // skin is red-dominant
      prev = y;
    }
  });

  it('fills defaults and normalises the light direction', () => {
    const a = resolveAppearance({ lightDirection: [0, 0, 5] });
    expect(a.lightDirection).toEqual([0, 0, 1]);
    expect(a.supersample).toBe(1);
    expect(() => resolveAppearance({ supersample: 9 })).toThrow(RangeError);
  });

  it('paints gradients from one colour to the other', () => {
    const t = createRasterTarget(32, 8);
    paintBackground(t, { kind: 'gradient', from: [0, 0, 0], to: [255, 255, 255], angle: 0 }, 1);
    expect(t.color[0]).toBeLessThan(0.03);
    expect(t.color[(31) * 3]).toBeGreaterThan(0.9);
    paintBackground(t, { kind: 'noise', colors: [[0, 0, 0], [255, 255, 255]], blobSize: 0.2 }, 1);
    const vals = Array.from(t.color);
    expect(Math.max(...vals)).toBeLessThanOrEqual(1.0001);
    expect(Math.max(...vals) - Math.min(...vals)).toBeGreaterThan(0.1);
  });

  it('random appearances are deterministic and varied', () => {
    expect(randomAppearance(3)).toEqual(randomAppearance(3));
    const tones = Array.from({ length: 50 }, (_, i) => randomAppearance(i).skinTone ?? 0);
    expect(Math.min(...tones)).toBeLessThan(0.15);
    expect(Math.max(...tones)).toBeGreaterThan(0.85);
  });
});

import { describe, expect, it } from 'vitest';
import { REGION, WEIGHT } from '../uv/layout.js';
import { syntheticLayout } from './synthetic-layout.js';

describe('syntheticLayout', () => {
  const layout = syntheticLayout({ resolution: 48 });
  const R = layout.resolution;

  it('has vertexPixels = the ascending mask pixels', () => {
    const masked: number[] = [];
    for (let p = 0; p < R * R; p++) if (layout.mask[p]) masked.push(p);
    expect(Array.from(layout.vertexPixels)).toEqual(masked);
    expect(masked.length).toBeGreaterThan(0.5 * R * R);
  });

  it('triangles are counter-clockwise seen from the front in the model frame', () => {
    const m = layout.meanFace;
    const px = layout.vertexPixels;
    let ccw = 0;
    for (let t = 0; t < layout.triangles.length; t += 3) {
      const [a, b, c] = [px[layout.triangles[t]], px[layout.triangles[t + 1]], px[layout.triangles[t + 2]]];
      const cross =
        (m[3 * b] - m[3 * a]) * (m[3 * c + 1] - m[3 * a + 1]) - (m[3 * b + 1] - m[3 * a + 1]) * (m[3 * c] - m[3 * a]);
      if (cross > 0) ccw++;
    }
    expect(ccw).toBe(layout.triangles.length / 3);
  });

  it('has 68 distinct landmark pixels inside the mask, weighted 16', () => {
    expect(layout.landmarkPixels.length).toBe(68);
    expect(new Set(layout.landmarkPixels).size).toBe(68);
    for (const p of layout.landmarkPixels) {
      expect(layout.mask[p]).toBe(1);
      expect(layout.weightMask[p]).toBe(WEIGHT.LANDMARK);
    }
  });

  it('labels every region and is zero outside the mask', () => {
    const seen = new Set(layout.regions);
    for (const r of Object.values(REGION)) expect(seen.has(r)).toBe(true);
    for (let p = 0; p < R * R; p++) {
      if (layout.mask[p]) continue;
      expect(layout.regions[p]).toBe(0);
      expect(layout.weightMask[p]).toBe(0);
      expect(layout.meanFace[3 * p + 2]).toBe(0);
    }
  });

  it('meanFace is a y-up face: chin landmark below the eyes, nose tip in front', () => {
    const m = layout.meanFace;
    const at = (i: number, axis: number) => m[3 * layout.landmarkPixels[i] + axis];
    expect(at(8, 1)).toBeLessThan(at(36, 1));
    expect(at(30, 2)).toBeGreaterThan(at(8, 2));
    expect(at(36, 0)).toBeLessThan(at(45, 0));
  });
});

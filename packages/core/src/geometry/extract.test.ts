import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { syntheticLayout } from '../testing/synthetic-layout.js';
import { denseVertices, landmarks68, vertexUvs } from './extract.js';

describe('position-map lookups', () => {
  const layout = syntheticLayout({ resolution: 32 });
  const R = layout.resolution;
  // pm[p] = (p, 2p, 3p) so every lookup is traceable.
  const pm = new Float32Array(R * R * 3);
  for (let p = 0; p < R * R; p++) pm.set([p, 2 * p, 3 * p], 3 * p);

  it('landmarks68 reads the landmark pixels', () => {
    const l = landmarks68(pm, layout);
    expect(l.length).toBe(68 * 3);
    for (let i = 0; i < 68; i++) {
      const p = layout.landmarkPixels[i];
      expect([l[3 * i], l[3 * i + 1], l[3 * i + 2]]).toEqual([p, 2 * p, 3 * p]);
    }
  });

  it('denseVertices reads vertexPixels and writes into out', () => {
    const out = new Float32Array(layout.vertexPixels.length * 3);
    const v = denseVertices(pm, layout, out);
    expect(v).toBe(out);
    const k = 17;
    const p = layout.vertexPixels[k];
    expect([v[3 * k], v[3 * k + 1], v[3 * k + 2]]).toEqual([p, 2 * p, 3 * p]);
  });

  it('vertexUvs gives pixel-centre UVs with v up', () => {
    const uv = vertexUvs(layout);
    const k = 5;
    const p = layout.vertexPixels[k];
    const r = Math.floor(p / R);
    const c = p % R;
    expect(uv[2 * k]).toBeCloseTo((c + 0.5) / R, 6);
    expect(uv[2 * k + 1]).toBeCloseTo(1 - (r + 0.5) / R, 6);
    // rows go down the image, v goes up
    const last = layout.vertexPixels.length - 1;
    expect(uv[2 * last + 1]).toBeLessThan(uv[1]);
  });

  it('rejects wrong sizes', () => {
    expect(() => landmarks68(new Float32Array(10), layout)).toThrow(InvalidArgumentError);
    expect(() => denseVertices(pm, layout, new Float32Array(3))).toThrow(InvalidArgumentError);
  });
});

import { describe, expect, it } from 'vitest';
import { coordinateImage, posedPositionMap } from '../testing/synthetic-face.js';
import { syntheticLayout } from '../testing/synthetic-layout.js';
import { denseVertices } from './extract.js';
import { rotationFromAngles } from './euler-angles.js';
import { uvTexture } from './uv-texture.js';
import { vertexVisibility } from './visibility.js';

describe('uvTexture', () => {
  const layout = syntheticLayout({ resolution: 32 });
  const R = layout.resolution;
  const image = coordinateImage(200, 200);

  it('samples the image at each UV pixel and is black outside the mask', () => {
    const pm = posedPositionMap(layout, { scale: 8, translation: [100, 100, 0] });
    const tex = uvTexture(image, pm, layout);
    expect([tex.width, tex.height, tex.channels]).toEqual([R, R, 3]);
    for (let p = 0; p < R * R; p++) {
      if (!layout.mask[p]) {
        expect([tex.data[3 * p], tex.data[3 * p + 1], tex.data[3 * p + 2]]).toEqual([0, 0, 0]);
        continue;
      }
      // the coordinate image stores x and y: red ≈ x − 0.5, green ≈ y − 0.5
      expect(Math.abs(tex.data[3 * p] - (pm[3 * p] - 0.5))).toBeLessThanOrEqual(0.5 + 1e-3);
      expect(Math.abs(tex.data[3 * p + 1] - (pm[3 * p + 1] - 0.5))).toBeLessThanOrEqual(0.5 + 1e-3);
    }
  });

  it('blacks out hidden pixels when asked', () => {
    const pm = posedPositionMap(layout, { rotation: rotationFromAngles(0, 70, 0), scale: 8, translation: [100, 100, 0] });
    const visible = vertexVisibility(denseVertices(pm, layout), layout.triangles);
    const hidden = visible.reduce((n, v) => n + (v ? 0 : 1), 0);
    expect(hidden).toBeGreaterThan(20);
    const tex = uvTexture(image, pm, layout, { hideInvisible: true });
    const same = uvTexture(image, pm, layout, { visibility: visible });
    expect(same.data).toEqual(tex.data);
    const all = uvTexture(image, pm, layout);
    for (let k = 0; k < visible.length; k++) {
      const p = layout.vertexPixels[k];
      if (visible[k]) expect(tex.data[3 * p]).toBe(all.data[3 * p]);
      else expect([tex.data[3 * p], tex.data[3 * p + 1], tex.data[3 * p + 2]]).toEqual([0, 0, 0]);
    }
  });
});

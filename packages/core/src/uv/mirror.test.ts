import { describe, expect, it } from 'vitest';
import { loadDefaultUvLayout } from '../node/index.js';
import { uvMirrorMap } from './mirror.js';

describe('uvMirrorMap', () => {
  it("pairs each pixel of the shipped layout with its left–right mirror on the mean face", () => {
    const layout = loadDefaultUvLayout(128);
    const mirror = uvMirrorMap(layout);
    let exact = 0;
    let worst = 0;
    for (const p of layout.vertexPixels) {
      const m = mirror[p];
      expect(m).toBeGreaterThanOrEqual(0);
      expect(layout.mask[m]).toBe(1);
      if (mirror[m] === p) exact++;
      const f = layout.meanFace;
      worst = Math.max(worst, Math.hypot(f[m * 3] + f[p * 3], f[m * 3 + 1] - f[p * 3 + 1], f[m * 3 + 2] - f[p * 3 + 2]));
    }
    expect(exact / layout.vertexPixels.length).toBeGreaterThan(0.99); // an involution, up to pixel rounding
    expect(worst).toBeLessThan(0.5); // cm, on a ~15 cm face
    // The 68-point scheme's mirror pairs: eye corners, mouth corners, jaw ends.
    for (const [a, b] of [[36, 45], [39, 42], [48, 54], [0, 16], [31, 35]]) {
      const pa = mirror[layout.landmarkPixels[a]];
      const pb = layout.landmarkPixels[b];
      expect(Math.hypot((pa % 128) - (pb % 128), Math.floor(pa / 128) - Math.floor(pb / 128))).toBeLessThanOrEqual(2);
    }
    expect(mirror.filter((m, p) => !layout.mask[p] && m !== -1)).toHaveLength(0);
  });
});

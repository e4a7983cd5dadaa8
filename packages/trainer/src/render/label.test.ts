import { beforeAll, describe, expect, it } from 'vitest';
import { findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { createUvRasteriser, type UvRasteriser } from '../uv-layout/uv-rasteriser.js';
import { boxOfPoints, cropToImagePoints } from './core-deps.js';
import { createFaceRenderer, type FaceRenderer } from './face-renderer.js';
import { landmarkCrop, positionMapLabel } from './label.js';
import { randomRenderParams } from './random-face.js';

const dataDir = findSharedDataDir();

describe.skipIf(!dataDir)('positionMapLabel (needs ../shared/data; skipped when absent)', () => {
  let model: IctModel;
  let renderer: FaceRenderer;
  let uv: UvRasteriser;
  beforeAll(() => {
    model = loadIctModel();
    renderer = createFaceRenderer(model);
    uv = createUvRasteriser(model, 128);
  });

  it('maps back through the crop to the image-frame landmarks', () => {
    for (const seed of [1, 2, 3]) {
      const face = renderer.render(randomRenderParams(model, seed, { size: 160 }));
      const crop = landmarkCrop(face.landmarks68, 256);
      // PRNet's crop: centred on the tight 68-landmark box, 1.6 × its mean side.
      const [x0, y0, x1, y1] = boxOfPoints(face.landmarks68);
      expect(crop.centreX).toBeCloseTo((x0 + x1) / 2, 4);
      expect(crop.size).toBeCloseTo(1.6 * ((x1 - x0 + y1 - y0) / 2), 3);
      const map = positionMapLabel(face, crop, uv);
      expect(map.length).toBe(128 * 128 * 3);
      const lmCrop = new Float32Array(68 * 3);
      for (let i = 0; i < 68; i++) {
        const p = uv.landmarkPixels[i];
        for (let k = 0; k < 3; k++) lmCrop[i * 3 + k] = map[p * 3 + k];
      }
      // The label's landmarks lie inside the crop (in crop pixels) and map back exactly.
      for (let i = 0; i < 68; i++) {
        expect(lmCrop[i * 3]).toBeGreaterThan(0);
        expect(lmCrop[i * 3]).toBeLessThan(256);
      }
      const back = cropToImagePoints(crop, lmCrop);
      for (let i = 0; i < 68 * 3; i++) expect(back[i]).toBeCloseTo(face.landmarks68[i], 2);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { posedPositionMap } from '../testing/synthetic-face.js';
import { syntheticLayout } from '../testing/synthetic-layout.js';
import { rotationFromAngles } from './euler-angles.js';
import { denseVertices } from './extract.js';
import { frontalise } from './frontalise.js';
import { estimatePose } from './pose.js';

describe('frontalise', () => {
  const layout = syntheticLayout({ resolution: 40 });
  const truth = denseVertices(layout.meanFace, layout);

  it('maps a rotated, scaled, shifted face back to the mean face (model frame, cm)', () => {
    for (const [p, y, r] of [[20, -70, 10], [-40, 30, -45], [0, 89, 0]]) {
      const pm = posedPositionMap(layout, { rotation: rotationFromAngles(p, y, r), scale: 6, translation: [300, 200, 40] });
      const front = frontalise(denseVertices(pm, layout), layout);
      let maxError = 0;
      for (let i = 0; i < truth.length; i++) maxError = Math.max(maxError, Math.abs(front[i] - truth[i]));
      expect(maxError).toBeLessThan(1e-3);
    }
  });

  it('accepts a position map (zeros outside the mask) or a pose', () => {
    const pm = posedPositionMap(layout, { rotation: rotationFromAngles(10, 40, 0), scale: 5, translation: [50, 60, 0] });
    const front = frontalise(pm, layout);
    for (let p = 0; p < layout.mask.length; p++) {
      for (let a = 0; a < 3; a++) expect(front[3 * p + a]).toBeCloseTo(layout.meanFace[3 * p + a], 3);
    }
    const pose = estimatePose(pm, layout);
    const again = frontalise(denseVertices(pm, layout), pose);
    for (let i = 0; i < truth.length; i++) expect(again[i]).toBeCloseTo(truth[i], 3);
  });
});

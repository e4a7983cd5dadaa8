import { describe, expect, it } from 'vitest';
import { InvalidBoxError } from '../errors.js';
import { CROP_SCALE } from '../conventions.js';
import { boxOfPoints, cropFromBox, cropToImagePoints, imageToCropMatrix, imageToCropPoints } from './crop.js';

const points = Float32Array.from([10, 20, 5, 200.5, 33.25, -12, 150, 300, 40, -20, 410, 0]);

describe('crop transform', () => {
  it('crop → inverse crop is the identity within 1e-4 px, with and without rotation', () => {
    for (const rotation of [0, 0.3, -1.2, Math.PI]) {
      const crop = cropFromBox([50, 60, 250, 290], 256, { rotation });
      const back = cropToImagePoints(crop, imageToCropPoints(crop, points));
      for (let i = 0; i < points.length; i++) expect(Math.abs(back[i] - points[i])).toBeLessThan(1e-4);
    }
  });

  it('centres the box and scales it to CROP_SCALE × its mean side', () => {
    const crop = cropFromBox([100, 100, 200, 300], 128);
    expect(crop.size).toBeCloseTo(150 * CROP_SCALE, 9);
    const centre = imageToCropPoints(crop, [150, 200, 0]);
    expect(Array.from(centre)).toEqual([64, 64, 64]);
  });

  it('rotates clockwise on screen for positive rotation', () => {
    const crop = cropFromBox([0, 0, 100, 100], 100, { rotation: Math.PI / 2, cropScale: 1 });
    const [a, , , d] = imageToCropMatrix(crop);
    expect(a).toBeCloseTo(0, 12);
    // a point right of the centre lands above it in the crop (the crop's axes turned clockwise)
    const p = imageToCropPoints(crop, [75, 50, 0]);
    expect(p[0]).toBeCloseTo(50, 9);
    expect(p[1]).toBeCloseTo(25, 9);
    expect(d).toBeLessThan(0);
  });

  it('boxOfPoints and validation', () => {
    expect(boxOfPoints(points)).toEqual([-20, 20, 200.5, 410]);
    expect(() => cropFromBox([10, 10, 10, 20], 256)).toThrow(InvalidBoxError);
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { cropFromBox, imageToCropPoints } from './crop.js';
import { uprightRotation } from './upright.js';
import { rotationFromAngles } from './euler-angles.js';

/** Model → y-up camera rotation of a head rolled in the image plane so its top leans right by φ. */
function rolled(phi: number): Float64Array {
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  return Float64Array.from([c, s, 0, -s, c, 0, 0, 0, 1]);
}

describe('uprightRotation', () => {
  it('gives an in-plane roll back, and the crop it names puts the head top straight up', () => {
    for (const phi of [0, 0.4, -0.9, 2.5]) {
      const theta = uprightRotation(rolled(phi));
      expect(theta).toBeCloseTo(phi, 12);
      const crop = cropFromBox([80, 80, 120, 120], 200, { rotation: theta, cropScale: 1 });
      // a point 30 px "above" the head centre along its leaning up axis (image y down)
      const top = imageToCropPoints(crop, [100 + 30 * Math.sin(phi), 100 - 30 * Math.cos(phi), 0]);
      const centre = imageToCropPoints(crop, [100, 100, 0]);
      expect(top[0] - centre[0]).toBeCloseTo(0, 9);
      expect(top[1] - centre[1]).toBeLessThan(0);
    }
  });

  it('ignores yaw and pitch that keep the up axis in view: a yawed, rolled head gives its roll', () => {
    // roll about the camera axis after a 70° yaw: the up axis stays in the image plane
    const R = rotationFromAngles(0, 70, 0);
    const roll = rolled(0.5);
    const composed = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) composed[i * 3 + j] += roll[i * 3 + k] * R[k * 3 + j];
    expect(uprightRotation(composed)).toBeCloseTo(0.5, 9);
  });

  it('rejects a wrong-sized matrix', () => {
    expect(() => uprightRotation([1, 0, 0])).toThrow(InvalidArgumentError);
  });
});

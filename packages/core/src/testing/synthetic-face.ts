import type { RgbImage } from '../image/rgb-image.js';
import type { UvLayout } from '../uv/layout.js';

/** A similarity placing the model frame in the image frame: image = F·(scale·R·model) + translation. */
export interface SyntheticPlacement {
  /** Row-major 3×3 model-to-camera rotation (y-up camera frame). Default identity. */
  rotation?: ArrayLike<number>;
  /** Pixels per model cm. Default 10. */
  scale?: number;
  /** [3] image-frame position of the model origin. Default [100, 100, 0]. */
  translation?: ArrayLike<number>;
}

/**
 * The position map of `layout.meanFace` placed in the image frame by `placement`
 * (F = diag(1, −1, 1) flips the y-up camera frame to the y-down image frame). Zero outside the mask.
 * @returns [R*R*3] Float32Array, image pixels.
 */
export function posedPositionMap(layout: UvLayout, placement: SyntheticPlacement = {}): Float32Array {
  const R = placement.rotation ?? [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const s = placement.scale ?? 10;
  const t = placement.translation ?? [100, 100, 0];
  const n = layout.resolution * layout.resolution;
  const pm = new Float32Array(n * 3);
  const m = layout.meanFace;
  for (let p = 0; p < n; p++) {
    if (!layout.mask[p]) continue;
    const x = m[3 * p];
    const y = m[3 * p + 1];
    const z = m[3 * p + 2];
    pm[3 * p] = s * (R[0] * x + R[1] * y + R[2] * z) + t[0];
    pm[3 * p + 1] = -s * (R[3] * x + R[4] * y + R[5] * z) + t[1];
    pm[3 * p + 2] = s * (R[6] * x + R[7] * y + R[8] * z) + t[2];
  }
  return pm;
}

/**
 * A deterministic test image whose colour encodes position: R = x mod 256, G = y mod 256,
 * B = (x + y) mod 256 at pixel (x = col, y = row), so a sample's value tells where it was read.
 */
export function coordinateImage(width: number, height: number, channels: 1 | 3 | 4 = 3): RgbImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (channels === 1) {
        data[o] = x % 256;
        continue;
      }
      data[o] = x % 256;
      data[o + 1] = y % 256;
      data[o + 2] = (x + y) % 256;
      if (channels === 4) data[o + 3] = 255;
    }
  }
  return { width, height, channels, data };
}

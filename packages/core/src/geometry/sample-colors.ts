import { InvalidArgumentError, InvalidImageError } from '../errors.js';
import type { RgbImage } from '../image/rgb-image.js';
import { assertVertices, outputArray } from './validate.js';

/** Throws `InvalidImageError` unless `image` is a well-formed 1-, 3- or 4-channel image. */
export function assertImage(image: RgbImage): void {
  if (!image || !(image.width > 0) || !(image.height > 0) || ![1, 3, 4].includes(image.channels)) {
    throw new InvalidImageError(`expected an image with positive size and 1, 3 or 4 channels`);
  }
  if (!image.data || image.data.length !== image.width * image.height * image.channels) {
    throw new InvalidImageError(
      `image data has ${image.data?.length} values, expected ${image.width}×${image.height}×${image.channels}`,
    );
  }
}

/**
 * Bilinear RGB sample of `image` at the continuous image-frame point (x, y) (pixel centres at
 * c + 0.5), clamped at the borders; gray images give r = g = b, alpha is ignored. Writes three
 * values in 0..255 (not rounded) at `out[offset..offset+2]`.
 */
export function sampleBilinear(image: RgbImage, x: number, y: number, out: Float32Array, offset = 0): void {
  const { width: W, height: H, channels: C, data } = image;
  let fx = x - 0.5;
  let fy = y - 0.5;
  if (!(fx > 0)) fx = 0; // also maps NaN to the border
  if (!(fy > 0)) fy = 0;
  if (fx > W - 1) fx = W - 1;
  if (fy > H - 1) fy = H - 1;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = x0 + 1 < W ? x0 + 1 : x0;
  const y1 = y0 + 1 < H ? y0 + 1 : y0;
  const ax = fx - x0;
  const ay = fy - y0;
  const w00 = (1 - ax) * (1 - ay);
  const w01 = ax * (1 - ay);
  const w10 = (1 - ax) * ay;
  const w11 = ax * ay;
  const i00 = (y0 * W + x0) * C;
  const i01 = (y0 * W + x1) * C;
  const i10 = (y1 * W + x0) * C;
  const i11 = (y1 * W + x1) * C;
  if (C === 1) {
    const v = w00 * data[i00] + w01 * data[i01] + w10 * data[i10] + w11 * data[i11];
    out[offset] = v;
    out[offset + 1] = v;
    out[offset + 2] = v;
    return;
  }
  for (let k = 0; k < 3; k++) {
    out[offset + k] = w00 * data[i00 + k] + w01 * data[i01 + k] + w10 * data[i10 + k] + w11 * data[i11 + k];
  }
}

/**
 * Per-vertex colours: `image` sampled bilinearly at each vertex's (x, y) (image frame, pixels),
 * clamped at the borders (points outside the image take the nearest border colour).
 * @param vertices [N*3] image-frame points (z is ignored).
 * @returns [N*3] Float32Array RGB in 0..1 (gray images give r = g = b; alpha is dropped).
 */
export function sampleColors(image: RgbImage, vertices: ArrayLike<number>, out?: Float32Array): Float32Array {
  assertImage(image);
  assertVertices(vertices);
  const n = vertices.length / 3;
  const result = outputArray(out, n * 3);
  for (let k = 0; k < n; k++) {
    sampleBilinear(image, vertices[3 * k], vertices[3 * k + 1], result, 3 * k);
    result[3 * k] /= 255;
    result[3 * k + 1] /= 255;
    result[3 * k + 2] /= 255;
  }
  return result;
}

/** Colours in 0..1 (Float32Array) or 0..255 (Uint8Array) → 0..255 integers. */
export function colorToByte(colors: ArrayLike<number>, i: number): number {
  const v = colors instanceof Uint8Array || colors instanceof Uint8ClampedArray ? colors[i] : colors[i] * 255;
  if (!Number.isFinite(v)) throw new InvalidArgumentError(`colour ${i} is not finite`);
  return Math.max(0, Math.min(255, Math.round(v)));
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RgbImage } from './core-deps.js';

/** Interleaved RGBA bytes of an `RgbImage` (1, 3 or 4 channels; alpha 255 where absent). */
function toRgba(image: RgbImage): Buffer {
  const { width, height, channels, data } = image;
  const out = Buffer.alloc(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const r = data[j];
    out[i * 4] = r;
    out[i * 4 + 1] = channels >= 3 ? data[j + 1] : r;
    out[i * 4 + 2] = channels >= 3 ? data[j + 2] : r;
    out[i * 4 + 3] = channels === 4 ? data[j + 3] : 255;
  }
  return out;
}

/** PNG bytes of an image (RGB, no alpha unless the image has 4 channels). */
export function encodePng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height, colorType: image.channels === 4 ? 6 : 2 });
  png.data = toRgba(image);
  return PNG.sync.write(png, { colorType: image.channels === 4 ? 6 : 2 });
}

/** JPEG bytes of an image at `quality` (1–100, default 90). */
export function encodeJpeg(image: RgbImage, quality = 90): Buffer {
  const encoded = jpeg.encode({ data: toRgba(image), width: image.width, height: image.height }, quality);
  return Buffer.from(encoded.data);
}

/** Writes an image as PNG or JPEG (by extension), creating the folder. */
export function writeImage(image: RgbImage, path: string, quality?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, /\.jpe?g$/i.test(path) ? encodeJpeg(image, quality) : encodePng(image));
}

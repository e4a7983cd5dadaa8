import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeImage, encodeJpeg, encodePng } from '@prnet/core/node';
import type { RgbImage } from './core-deps.js';

export { encodeJpeg, encodePng };

/** Writes an image as PNG or JPEG (by extension), creating the folder. */
export function writeImage(image: RgbImage, path: string, quality?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, /\.jpe?g$/i.test(path) ? encodeJpeg(image, quality) : encodePng(image));
}

/**
 * The image after a JPEG encode + decode at `quality` (1–100): blocking, ringing and chroma
 * subsampling artefacts like a compressed photo's. Deterministic (jpeg-js, pure JavaScript).
 */
export function jpegRoundTrip(image: RgbImage, quality: number): RgbImage {
  return decodeImage(encodeJpeg(image, quality));
}

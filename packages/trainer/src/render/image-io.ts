import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeJpeg, encodePng } from '@prnet/core/node';
import type { RgbImage } from './core-deps.js';

export { encodeJpeg, encodePng };

/** Writes an image as PNG or JPEG (by extension), creating the folder. */
export function writeImage(image: RgbImage, path: string, quality?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, /\.jpe?g$/i.test(path) ? encodeJpeg(image, quality) : encodePng(image));
}

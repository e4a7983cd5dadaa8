import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeImage } from '@prnet/core/node';
import type { Background } from './appearance.js';
import { InvalidArgumentError, type RgbImage } from './core-deps.js';
import { uniform, type Rng } from './procedural.js';

/** A folder of photos used as real-image backgrounds; images are decoded on first use and cached. */
export interface BackgroundImageSet {
  /** Absolute folder path. */
  readonly dir: string;
  /** The JPEG/PNG file names, sorted (the order random picks index into). */
  readonly files: readonly string[];
  /** crc32 (hex) of the sorted `name:bytes` lines: changes when the folder's images change. */
  readonly fingerprint: string;
  /** The decoded image `i` (3 channels), shrunk by an integer box filter to a shorter side ≤ `maxSide`. */
  image(i: number): RgbImage;
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

/** Lists `dir`'s JPEG/PNG files (sorted) and their fingerprint. @throws InvalidArgumentError when none. */
export function listBackgroundImages(dir: string): { dir: string; files: string[]; fingerprint: string } {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new InvalidArgumentError(`background folder not found: ${abs}`);
  const files = readdirSync(abs)
    .filter((f) => IMAGE_FILE.test(f) && statSync(join(abs, f)).isFile())
    .sort();
  if (files.length === 0) throw new InvalidArgumentError(`background folder ${abs} holds no .jpg/.jpeg/.png images`);
  const lines = files.map((f) => `${f}:${statSync(join(abs, f)).size}\n`).join('');
  const fingerprint = crc32(Buffer.from(lines)).toString(16).padStart(8, '0');
  return { dir: abs, files, fingerprint };
}

/** Shrinks by the integer box factor that brings the shorter side to ≤ maxSide (copies RGB only). */
function shrink(image: RgbImage, maxSide: number): RgbImage {
  const { width: W, height: H, channels: C, data } = image;
  const f = Math.max(1, Math.floor(Math.min(W, H) / maxSide));
  if (f === 1 && C === 3) return image;
  const w = Math.floor(W / f);
  const h = Math.floor(H / f);
  const out = new Uint8Array(w * h * 3);
  const norm = 1 / (f * f);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let y = r * f; y < r * f + f; y++) for (let x = c * f; x < c * f + f; x++) s += data[(y * W + x) * C + k];
        out[(r * w + c) * 3 + k] = Math.round(s * norm);
      }
    }
  }
  return { width: w, height: h, channels: 3, data: out };
}

export interface BackgroundImageSetOptions {
  /** Shrink photos whose shorter side exceeds this (integer box factor). [384] */
  readonly maxSide?: number;
  /** Decoded images kept in memory, in megabytes (least recently used dropped first). [256] */
  readonly cacheMegabytes?: number;
}

/** Opens a background folder (see `BackgroundImageSet`). @throws InvalidArgumentError when it holds no images. */
export function openBackgroundImageSet(dir: string, options: BackgroundImageSetOptions = {}): BackgroundImageSet {
  const { dir: abs, files, fingerprint } = listBackgroundImages(dir);
  const maxSide = options.maxSide ?? 384;
  const budget = (options.cacheMegabytes ?? 256) * 2 ** 20;
  const cache = new Map<number, RgbImage>();
  let cached = 0;
  return {
    dir: abs,
    files,
    fingerprint,
    image(i: number): RgbImage {
      const hit = cache.get(i);
      if (hit) {
        cache.delete(i);
        cache.set(i, hit);
        return hit;
      }
      const image = shrink(decodeImage(join(abs, files[i])), maxSide);
      cache.set(i, image);
      cached += image.data.byteLength;
      for (const [k, v] of cache) {
        if (cached <= budget || k === i) break;
        cache.delete(k);
        cached -= v.data.byteLength;
      }
      return image;
    },
  };
}

const sets = new Map<string, BackgroundImageSet>();

/** `openBackgroundImageSet(dir)`, memoised per folder (one per thread). */
export function backgroundImageSet(dir: string): BackgroundImageSet {
  const abs = resolve(dir);
  let set = sets.get(abs);
  if (!set) {
    set = openBackgroundImageSet(abs);
    sets.set(abs, set);
  }
  return set;
}

/**
 * A random real-image background: a random photo of `set`, a random crop of it with the output's
 * aspect ratio covering 30–100 % of the photo's shorter side, at a random position, randomly
 * mirrored. Uses exactly 5 draws of `rng`.
 */
export function randomImageBackground(rng: Rng, set: BackgroundImageSet, width: number, height: number): Background {
  const index = Math.min(set.files.length - 1, Math.floor(rng() * set.files.length));
  const fraction = uniform(rng, 0.3, 1);
  const u = rng();
  const v = rng();
  const mirror = rng() < 0.5;
  const image = set.image(index);
  const aspect = width / height;
  let cw = Math.min(image.width, image.height * aspect) * fraction;
  let ch = cw / aspect;
  if (ch > image.height) {
    ch = image.height;
    cw = ch * aspect;
  }
  const x = u * (image.width - cw);
  const y = v * (image.height - ch);
  // A negative width mirrors the crop horizontally (the painter samples x0 + t·width).
  const crop: [number, number, number, number] = mirror ? [x + cw, y, -cw, ch] : [x, y, cw, ch];
  return { kind: 'image', image, crop, source: set.files[index] };
}

import type { RgbImage } from '@prnet/core';
import { writeImage } from '../render/image-io.js';
import { createRng } from '../render/procedural.js';
import { openDataset } from './dataset-reader.js';
import type { Sample } from './sample.js';

export interface DatasetSheetOptions {
  /** Seed choosing the samples. [0] */
  readonly seed?: number;
  /** Draw every `step`-th position-map pixel (in rows and columns). [8] */
  readonly step?: number;
  /** Tiles per row. [ceil(sqrt(n))] */
  readonly columns?: number;
}

type Rgb = readonly [number, number, number];

/** Draws a filled dot of `radius` pixels into an RGB tile at (ox, oy) of a W-wide sheet. */
function dot(data: Uint8Array, W: number, H: number, x: number, y: number, radius: number, color: Rgb): void {
  const cx = Math.floor(x);
  const cy = Math.floor(y);
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      if (dx * dx + dy * dy > radius * radius + radius) continue;
      const c = cx + dx;
      const r = cy + dy;
      if (c < 0 || r < 0 || c >= W || r >= H) continue;
      const o = (r * W + c) * 3;
      data[o] = color[0];
      data[o + 1] = color[1];
      data[o + 2] = color[2];
    }
  }
}

/**
 * One tile per sample: the image, its position map's (x, y) at every `step`-th UV pixel as small
 * dots coloured by depth (blue far → yellow near), and the 68 landmarks as green dots (red for
 * the 17 jawline points). Tiles are laid out on a grid with a 4-pixel gap.
 */
export function datasetContactSheet(samples: readonly Sample[], options: DatasetSheetOptions = {}): RgbImage {
  if (samples.length === 0) throw new RangeError('contact sheet needs at least one sample');
  const step = options.step ?? 8;
  const cols = options.columns ?? Math.ceil(Math.sqrt(samples.length));
  const rows = Math.ceil(samples.length / cols);
  const tile = Math.max(...samples.map((s) => s.image.width));
  const gap = 4;
  const W = cols * tile + (cols + 1) * gap;
  const H = rows * tile + (rows + 1) * gap;
  const sheet = new Uint8Array(W * H * 3).fill(32);
  samples.forEach((sample, n) => {
    const { width, height, data: src } = sample.image;
    const t = new Uint8Array(width * height * 3);
    t.set(src.subarray(0, width * height * 3));
    const R = Math.round(Math.sqrt(sample.positionMap.length / 3));
    let zLo = Infinity;
    let zHi = -Infinity;
    for (let p = 0; p < R * R; p++) {
      const z = sample.positionMap[p * 3 + 2];
      if (sample.positionMap[p * 3] === 0 && sample.positionMap[p * 3 + 1] === 0 && z === 0) continue;
      zLo = Math.min(zLo, z);
      zHi = Math.max(zHi, z);
    }
    const radius = Math.max(1, Math.round(width / 160));
    const pmRadius = width >= 160 ? 1 : 0;
    for (let r = step >> 1; r < R; r += step) {
      for (let c = step >> 1; c < R; c += step) {
        const p = (r * R + c) * 3;
        const [x, y, z] = [sample.positionMap[p], sample.positionMap[p + 1], sample.positionMap[p + 2]];
        if (x === 0 && y === 0 && z === 0) continue;
        const f = zHi > zLo ? (z - zLo) / (zHi - zLo) : 0.5;
        dot(t, width, height, x, y, pmRadius, [Math.round(255 * f), Math.round(200 * f + 40), Math.round(255 * (1 - f))]);
      }
    }
    for (let k = 0; k < 68; k++) {
      dot(t, width, height, sample.landmarks68[k * 3], sample.landmarks68[k * 3 + 1], radius, k < 17 ? [255, 60, 40] : [40, 255, 60]);
    }
    const ox = gap + (n % cols) * (tile + gap);
    const oy = gap + Math.floor(n / cols) * (tile + gap);
    for (let r = 0; r < height; r++) sheet.set(t.subarray(r * width * 3, (r + 1) * width * 3), ((oy + r) * W + ox) * 3);
  });
  return { width: W, height: H, channels: 3, data: sheet };
}

/**
 * Writes a contact sheet of `n` random samples of the dataset in `dir` to `path` (PNG, or JPEG
 * by extension). Returns the chosen sample indices.
 */
export function writeDatasetContactSheet(dir: string, path: string, n = 16, options: DatasetSheetOptions = {}): number[] {
  const reader = openDataset(dir, { verify: 'size' });
  const rng = createRng(options.seed ?? 0);
  const indices: number[] = [];
  const count = Math.min(n, reader.count);
  const chosen = new Set<number>();
  while (indices.length < count) {
    const i = Math.floor(rng() * reader.count);
    if (chosen.has(i)) continue;
    chosen.add(i);
    indices.push(i);
  }
  writeImage(datasetContactSheet(indices.map((i) => reader.get(i)), options), path);
  return indices;
}

import { mkdirSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CROP_DEPTH_CENTRE, encodeFloat16, InvalidArgumentError, OUTPUT_OFFSET, OUTPUT_SCALE, uvMirrorMap, type UvLayout } from '@prnet/core';
import { encodeJpeg, loadDefaultUvLayout } from '@prnet/core/node';
import { makeTrainingBatch } from './augment.js';
import { openDataset } from './dataset-reader.js';
import type { Sample } from './sample.js';

/**
 * Training pairs for trainers outside tfjs (the PyTorch GPU trainer in `packages/trainer/gpu`):
 * every sample of one or more datasets as PRNet's plain crop (`makeTrainingBatch` with
 * `augment: false`, the exact crop and targets the tfjs trainer starts from) — a JPEG of the
 * S×S input and its [R, R, 3] float16 target in the network's sigmoid space.
 *
 * Folder layout (all little-endian):
 * - `pairs.json`: format, sizes, conventions, sources and their licences.
 * - `images.bin` + `images.idx`: concatenated JPEGs; `images.idx` holds N + 1 uint32 byte offsets.
 * - `targets.f16`: [N, R, R, 3] float16 targets (0 outside the UV mask).
 * - `weights.f32`: [R, R] the layout's loss weight per UV pixel.
 * - `mirror.i32`: [R, R] the layout's left–right UV correspondence (`uvMirrorMap`; −1 outside the
 *   mask), for horizontal-flip augmentation.
 * - `samples.f32`: [N, 2] per sample: source index, |yaw| in degrees.
 */
export interface ExportPairsSource {
  /** Dataset folder (`prnet-train data synth` or `data label`). */
  readonly dir?: string;
  /** Or an open reader (tests, in-memory data); `dir` names it in pairs.json. */
  readonly reader?: PairsSourceReader;
  /** Export only the first N samples. [all] */
  readonly limit?: number;
}

/** What export-pairs reads from a dataset. */
export interface PairsSourceReader {
  readonly count: number;
  readonly manifest: { readonly uvResolution: number; readonly kind?: string; readonly licence?: string };
  get(i: number): Sample;
}

export interface ExportPairsOptions {
  readonly sources: readonly ExportPairsSource[];
  readonly outDir: string;
  /** Network input side S. [128] */
  readonly inputSize?: number;
  /** JPEG quality of the crops, 1–100. [90] */
  readonly jpegQuality?: number;
  /** UV layout whose loss weights go to weights.f32. [core's default layout at the datasets' resolution] */
  readonly layout?: UvLayout;
  /** Called after each sample. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ExportPairsResult {
  readonly count: number;
  readonly imageBytes: number;
  readonly targetBytes: number;
}

/** Writes the pairs folder; returns counts and sizes. */
export function exportTrainingPairs(options: ExportPairsOptions): ExportPairsResult {
  const S = options.inputSize ?? 128;
  const quality = options.jpegQuality ?? 90;
  if (options.sources.length === 0) throw new InvalidArgumentError('export-pairs needs at least one dataset');
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) throw new InvalidArgumentError(`jpeg quality must be 1–100, got ${quality}`);
  const readers: PairsSourceReader[] = options.sources.map((s) => {
    if (s.reader) return s.reader;
    if (!s.dir) throw new InvalidArgumentError('an export-pairs source needs a dir or a reader');
    return openDataset(s.dir, { verify: 'size' });
  });
  const counts = readers.map((r, k) => Math.min(r.count, options.sources[k].limit ?? r.count));
  const R = readers[0].manifest.uvResolution;
  if (readers.some((r) => r.manifest.uvResolution !== R)) throw new InvalidArgumentError('all datasets need the same UV resolution');
  const layout = options.layout ?? loadDefaultUvLayout(R);
  if (layout.resolution !== R) throw new InvalidArgumentError(`layout resolution ${layout.resolution} ≠ datasets' ${R}`);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) throw new InvalidArgumentError('the datasets hold no samples');

  const out = resolve(options.outDir);
  mkdirSync(out, { recursive: true });
  const imagesFd = openSync(join(out, 'images.bin'), 'w');
  const targetsFd = openSync(join(out, 'targets.f16'), 'w');
  const offsets = new Uint32Array(total + 1);
  const perSample = new Float32Array(total * 2);
  let n = 0;
  let imageBytes = 0;
  try {
    readers.forEach((reader, k) => {
      for (let i = 0; i < counts[k]; i++) {
        const sample = reader.get(i);
        const batch = makeTrainingBatch([sample], { inputSize: S, augment: false });
        let pixels: Float32Array;
        let targets: Float32Array;
        try {
          pixels = batch.images.dataSync() as Float32Array;
          targets = batch.targets.dataSync() as Float32Array;
        } finally {
          batch.images.dispose();
          batch.targets.dispose();
        }
        const rgb = new Uint8Array(S * S * 3);
        for (let p = 0; p < rgb.length; p++) rgb[p] = Math.max(0, Math.min(255, Math.round(pixels[p] * 255)));
        const jpeg = encodeJpeg({ width: S, height: S, channels: 3, data: rgb }, quality);
        writeSync(imagesFd, jpeg);
        imageBytes += jpeg.length;
        offsets[n + 1] = imageBytes;
        writeSync(targetsFd, new Uint8Array(encodeFloat16(targets).buffer));
        perSample[2 * n] = k;
        perSample[2 * n + 1] = Math.abs(sample.pose.yaw);
        n++;
        options.onProgress?.(n, total);
      }
    });
  } finally {
    closeSync(imagesFd);
    closeSync(targetsFd);
  }
  writeFileSync(join(out, 'images.idx'), new Uint8Array(offsets.buffer));
  writeFileSync(join(out, 'weights.f32'), new Uint8Array(Float32Array.from(layout.weightMask).buffer));
  writeFileSync(join(out, 'mirror.i32'), new Uint8Array(uvMirrorMap(layout).buffer));
  writeFileSync(join(out, 'samples.f32'), new Uint8Array(perSample.buffer));
  const description = {
    format: 'prnet-pairs',
    version: 1,
    count: total,
    inputSize: S,
    uvResolution: R,
    jpegQuality: quality,
    conventions: {
      target: 'sigmoid space: t = (crop px / S + outputOffset) / outputScale, clipped to [0, 1]; 0 outside the UV mask',
      outputScale: OUTPUT_SCALE,
      outputOffset: OUTPUT_OFFSET,
      cropDepthCentre: CROP_DEPTH_CENTRE,
      crop: 'PRNet crop of the 68-landmark box (cropFromBox, no augmentation)',
    },
    files: { images: 'images.bin', index: 'images.idx', targets: 'targets.f16', weights: 'weights.f32', mirror: 'mirror.i32', samples: 'samples.f32' },
    sources: readers.map((r, k) => ({
      dir: options.sources[k].dir ? resolve(options.sources[k].dir!) : 'in-memory',
      kind: r.manifest.kind ?? 'synthetic',
      count: counts[k],
      licence: r.manifest.licence ?? 'ICT Face Model renders (MIT)',
    })),
    backend: tf.getBackend(),
  };
  writeFileSync(join(out, 'pairs.json'), `${JSON.stringify(description, null, 1)}\n`);
  return { count: total, imageBytes, targetBytes: total * R * R * 3 * 2 };
}

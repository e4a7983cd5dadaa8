import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { DatasetError } from './dataset-error.js';
import type { ImageFormat } from './sample-codec.js';
import type { SyntheticFaceOptions } from './synthetic-face.js';

/** One complete shard of a dataset. */
export interface ShardEntry {
  /** File name inside the dataset folder. */
  readonly file: string;
  /** Index of its first sample. */
  readonly start: number;
  /** Number of samples. */
  readonly count: number;
  /** File size in bytes. */
  readonly bytes: number;
  /** crc32 (zlib) of the whole file. */
  readonly crc32: number;
}

/** `manifest.json` of a dataset folder. Shards are listed once complete, ordered by `start`. */
export interface DatasetManifest {
  readonly format: 'prnet-dataset';
  readonly version: 1;
  readonly kind: 'synthetic';
  /** Dataset seed: sample i is a pure function of (seed, i). */
  readonly seed: number;
  /** Number of samples the dataset is meant to hold (complete shards may hold fewer until `complete`). */
  readonly count: number;
  readonly imageSize: number;
  readonly uvResolution: number;
  readonly shardSize: number;
  readonly imageFormat: ImageFormat;
  /** Position-map storage (see `sample-codec.ts`). */
  readonly positionMapEncoding: 'uint16-range';
  /** Coordinate frame of positionMap / landmarks68. */
  readonly frame: 'image';
  /** Order of the stored expression weights. */
  readonly expressionNames: readonly string[];
  /** `SYNTHETIC_GENERATOR_VERSION` of the code that drew the samples (a resumed run must match). */
  readonly generatorVersion: number;
  /** Face sampling options the samples were drawn with (a resumed run must match). */
  readonly generator: SyntheticFaceOptions;
  readonly shards: readonly ShardEntry[];
  /** True once every planned shard is listed. */
  readonly complete: boolean;
}

export const MANIFEST_FILE = 'manifest.json';

/** Reads and checks `dir/manifest.json`. @throws DatasetError MISSING / CORRUPT. */
export function readManifest(dir: string): DatasetManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new DatasetError('DATASET_MISSING', `no dataset at ${dir}: ${MANIFEST_FILE} not found (generate one with "prnet-train data synth --out ${dir} --count N")`);
  }
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as DatasetManifest;
  } catch (error) {
    throw new DatasetError('DATASET_CORRUPT', `${path} is not valid JSON`, { cause: error });
  }
  if (manifest?.format !== 'prnet-dataset' || manifest.version !== 1) {
    throw new DatasetError('DATASET_CORRUPT', `${path} is not a version-1 prnet-dataset manifest`);
  }
  const ints = [manifest.count, manifest.imageSize, manifest.uvResolution, manifest.shardSize];
  if (!ints.every((v) => Number.isInteger(v) && v > 0) || !Array.isArray(manifest.shards)) {
    throw new DatasetError('DATASET_CORRUPT', `${path}: count/imageSize/uvResolution/shardSize/shards malformed`);
  }
  return manifest;
}

/** Writes the manifest atomically (temporary file + rename). */
export function writeManifest(dir: string, manifest: DatasetManifest): void {
  const path = join(dir, MANIFEST_FILE);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(tmp, path);
}

/** crc32 and size of a file, streamed in 8 MiB chunks. */
export function fileCrc32(path: string): { bytes: number; crc32: number } {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(8 << 20);
    let crc = 0;
    let bytes = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      crc = crc32(chunk.subarray(0, n), crc);
      bytes += n;
    }
    return { bytes, crc32: crc };
  } finally {
    closeSync(fd);
  }
}

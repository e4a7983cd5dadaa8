import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@prnet/core';
import { createRng } from '../render/procedural.js';
import { DatasetError } from './dataset-error.js';
import { fileCrc32, readManifest, type DatasetManifest, type ShardEntry } from './manifest.js';
import type { Sample } from './sample.js';
import { checkRecord, decodeSample, decodeShardHeader, recordLength, SHARD_HEADER_BYTES } from './sample-codec.js';

export interface OpenDatasetOptions {
  /**
   * How shards are checked when the dataset is opened: 'crc' reads every shard once and compares
   * its crc32 with the manifest (a few seconds per GB); 'size' only checks file sizes and headers
   * (every record still carries its own crc32, checked on read). ['crc']
   */
  readonly verify?: 'crc' | 'size';
  /** Called once when a corrupt shard is first found. [console.warn] */
  readonly onWarning?: (message: string) => void;
}

export interface IterateOptions {
  /** Visit the samples in a random order. [false] */
  readonly shuffle?: boolean;
  /** Seed of the shuffle. [0] */
  readonly seed?: number;
  /** Epoch number: each epoch has its own order for a seed. [0] */
  readonly epoch?: number;
  /** Position in the epoch's order to start from (to resume mid-epoch). [0] */
  readonly startIndex?: number;
  /** Records read ahead asynchronously. [8] */
  readonly prefetch?: number;
}

/** A read-only view of a dataset folder. Sample indices run over the valid shards only. */
export interface DatasetReader {
  readonly dir: string;
  readonly manifest: DatasetManifest;
  /**
   * Samples of the complete shards that passed the checks at open. A shard found corrupt later
   * (record crc32, with verify 'size') keeps its indices, but its samples are no longer served.
   */
  readonly count: number;
  /** Corrupt shards (bad crc, truncated, unreadable) found so far; their samples are skipped. */
  readonly corruptShards: number;
  /** The order `iterate` visits for (seed, epoch) when shuffling: a permutation of [0, count). */
  order(options?: Pick<IterateOptions, 'shuffle' | 'seed' | 'epoch'>): Uint32Array;
  /** Sample i (0 ≤ i < count), read synchronously. @throws DatasetError on a corrupt record or shard. */
  get(i: number): Sample;
  /**
   * Record i as stored (see `sample-codec.ts`), for copying between datasets; its crc32 is checked.
   * @throws DatasetError on a corrupt record or shard.
   */
  recordBytes(i: number): Uint8Array;
  /** The samples in `order(options)` from `startIndex` on; corrupt records are skipped and counted. */
  iterate(options?: IterateOptions): AsyncIterable<Sample>;
}

interface OpenShard {
  readonly entry: ShardEntry;
  readonly path: string;
  /** First reader index of this shard. */
  readonly first: number;
  /** Byte offset of every record, plus the file end. */
  offsets?: Float64Array;
  corrupt: boolean;
}

/**
 * Opens a dataset written by `writeSyntheticDataset` (complete or still being written: the
 * complete shards listed in the manifest are readable). Corrupt shards are left out of the index,
 * counted in `corruptShards` and reported once through `onWarning`, never silently.
 * @throws DatasetError('DATASET_MISSING') when `dir` has no manifest.json.
 */
export function openDataset(dir: string, options: OpenDatasetOptions = {}): DatasetReader {
  const manifest = readManifest(dir);
  const verify = options.verify ?? 'crc';
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  let warned = false;
  let corruptShards = 0;
  const markCorrupt = (shard: OpenShard, why: string): void => {
    if (shard.corrupt) return;
    shard.corrupt = true;
    corruptShards++;
    if (!warned) {
      warned = true;
      warn(`dataset ${dir}: corrupt shard ${shard.entry.file} (${why}); its samples are skipped (see reader.corruptShards)`);
    }
  };

  const shards: OpenShard[] = [];
  let count = 0;
  for (const entry of manifest.shards) {
    const path = join(dir, entry.file);
    const shard: OpenShard = { entry, path, first: count, corrupt: false };
    const problem = checkShard(shard, verify, manifest);
    if (problem) {
      // Counted now, but keep `first` consistent by not adding its samples.
      shards.push(shard);
      markCorrupt(shard, problem);
      continue;
    }
    shards.push(shard);
    count += entry.count;
  }
  const valid = shards.filter((s) => !s.corrupt);

  function locate(i: number): { shard: OpenShard; k: number } {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new InvalidArgumentError(`sample index ${i} outside [0, ${count})`);
    let lo = 0;
    let hi = valid.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (valid[mid].first <= i) lo = mid;
      else hi = mid - 1;
    }
    return { shard: valid[lo], k: i - valid[lo].first };
  }

  function offsetsOf(shard: OpenShard): Float64Array {
    if (shard.offsets) return shard.offsets;
    const fd = openSync(shard.path, 'r');
    try {
      const offsets = new Float64Array(shard.entry.count + 1);
      const head = new Uint8Array(4);
      let offset = SHARD_HEADER_BYTES;
      for (let k = 0; k < shard.entry.count; k++) {
        offsets[k] = offset;
        if (readSync(fd, head, 0, 4, offset) !== 4) throw new DatasetError('DATASET_CORRUPT', `${shard.entry.file}: truncated`);
        const length = recordLength(head);
        if (length < 4) throw new DatasetError('DATASET_CORRUPT', `${shard.entry.file}: bad record length`);
        offset += length;
      }
      offsets[shard.entry.count] = offset;
      if (offset !== shard.entry.bytes) throw new DatasetError('DATASET_CORRUPT', `${shard.entry.file}: records do not fill the file`);
      shard.offsets = offsets;
      return offsets;
    } finally {
      closeSync(fd);
    }
  }

  function get(i: number): Sample {
    return read(i, (bytes, where) => decodeSample(bytes, manifest.uvResolution, where));
  }

  function recordBytes(i: number): Uint8Array {
    return read(i, (bytes, where) => {
      checkRecord(bytes, where);
      return bytes;
    });
  }

  function read<T>(i: number, use: (bytes: Uint8Array, where: string) => T): T {
    const { shard, k } = locate(i);
    if (shard.corrupt) throw new DatasetError('DATASET_CORRUPT', `sample ${i} lies in corrupt shard ${shard.entry.file}`);
    try {
      const offsets = offsetsOf(shard);
      const length = offsets[k + 1] - offsets[k];
      const bytes = new Uint8Array(length);
      const fd = openSync(shard.path, 'r');
      try {
        if (readSync(fd, bytes, 0, length, offsets[k]) !== length) {
          throw new DatasetError('DATASET_CORRUPT', `${shard.entry.file}: truncated record ${k}`);
        }
      } finally {
        closeSync(fd);
      }
      return use(bytes, `${shard.entry.file} record ${k}`);
    } catch (error) {
      if (error instanceof DatasetError) markCorrupt(shard, error.message);
      throw error;
    }
  }

  function order(o: Pick<IterateOptions, 'shuffle' | 'seed' | 'epoch'> = {}): Uint32Array {
    const perm = new Uint32Array(count);
    for (let i = 0; i < count; i++) perm[i] = i;
    if (!o.shuffle) return perm;
    const rng = createRng(((o.seed ?? 0) * 1_000_003 + (o.epoch ?? 0) * 7919 + 12345) >>> 0);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }

  async function* iterate(o: IterateOptions = {}): AsyncGenerator<Sample> {
    const perm = order(o);
    const startIndex = o.startIndex ?? 0;
    if (!Number.isInteger(startIndex) || startIndex < 0) throw new InvalidArgumentError(`startIndex must be a non-negative integer, got ${startIndex}`);
    const depth = Math.max(1, o.prefetch ?? 8);
    const handles = new Map<string, ReturnType<typeof openAsync>>();
    const read = async (i: number): Promise<Sample | undefined> => {
      const { shard, k } = locate(i);
      if (shard.corrupt) return undefined;
      try {
        const offsets = offsetsOf(shard);
        let opening = handles.get(shard.path);
        if (!opening) {
          opening = openAsync(shard.path, 'r');
          handles.set(shard.path, opening);
        }
        const handle = await opening;
        const length = offsets[k + 1] - offsets[k];
        const bytes = new Uint8Array(length);
        const { bytesRead } = await handle.read(bytes, 0, length, offsets[k]);
        if (bytesRead !== length) throw new DatasetError('DATASET_CORRUPT', `${shard.entry.file}: truncated record ${k}`);
        return decodeSample(bytes, manifest.uvResolution, `${shard.entry.file} record ${k}`);
      } catch (error) {
        if (!(error instanceof DatasetError)) throw error;
        markCorrupt(shard, error.message);
        return undefined;
      }
    };
    const pending: Promise<Sample | undefined>[] = [];
    let next = startIndex;
    try {
      while (next < perm.length || pending.length > 0) {
        while (pending.length < depth && next < perm.length) pending.push(read(perm[next++]));
        const sample = await pending.shift()!;
        if (sample) yield sample;
      }
    } finally {
      await Promise.allSettled(pending);
      const opened = await Promise.allSettled(handles.values());
      await Promise.all(opened.map((h) => (h.status === 'fulfilled' ? h.value.close() : undefined)));
    }
  }

  return {
    dir,
    manifest,
    get count() {
      return count;
    },
    get corruptShards() {
      return corruptShards;
    },
    order,
    get,
    recordBytes,
    iterate: (o?: IterateOptions) => iterate(o),
  };
}

/** A reason why the shard is unusable, or undefined when it passes the checks. */
function checkShard(shard: OpenShard, verify: 'crc' | 'size', manifest: DatasetManifest): string | undefined {
  const { entry, path } = shard;
  if (!existsSync(path)) return 'missing';
  const size = statSync(path).size;
  if (size !== entry.bytes) return `${size} bytes, manifest says ${entry.bytes}`;
  try {
    const fd = openSync(path, 'r');
    const head = new Uint8Array(SHARD_HEADER_BYTES);
    try {
      readSync(fd, head, 0, SHARD_HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
    const header = decodeShardHeader(head, entry.file);
    if (header.count !== entry.count || header.start !== entry.start || header.uvResolution !== manifest.uvResolution || header.imageSize !== manifest.imageSize) {
      return 'header does not match the manifest';
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (verify === 'crc' && fileCrc32(path).crc32 !== entry.crc32) return 'crc32 mismatch';
  return undefined;
}

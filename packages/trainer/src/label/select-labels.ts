import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@prnet/core';
import { DatasetError } from '../data/dataset-error.js';
import { openDataset, type DatasetReader } from '../data/dataset-reader.js';
import { fileCrc32, readManifest, writeManifest, type DatasetManifest, type ShardEntry } from '../data/manifest.js';
import { encodeShardHeader, SHARD_HEADER_BYTES } from '../data/sample-codec.js';
import { planShards } from '../data/write-dataset.js';
import { buildFitReport, type FitReport, type QualityRecord } from './fit-report.js';
import { qualityFileName } from './label-dataset.js';

export interface SelectLabelsOptions {
  /** Label datasets written by `data label` (same image size, UV resolution and image format). */
  readonly from: readonly string[];
  readonly outDir: string;
  /** Photos per shard of the output. [the first source's shard size] */
  readonly shardSize?: number;
}

/** A quality record of the output: the chosen source's record, its position rewritten. */
export interface SelectedQualityRecord extends QualityRecord {
  /** Which `from` folder the label (or, for a photo no source kept, the record) came from. */
  readonly source: string;
}

export interface SelectLabelsResult {
  readonly manifest: DatasetManifest;
  readonly report: FitReport;
  /** Photos in the output (kept or not). */
  readonly photos: number;
  /** Labels taken from each source, in `from` order. */
  readonly chosen: readonly number[];
}

interface Candidate {
  readonly source: number;
  /** Index of its record in the source's reader (−1 when not kept). */
  readonly index: number;
  readonly quality: QualityRecord;
}

/**
 * Merges label datasets of the same photos (e.g. one labelled with MediaPipe as the teacher and one
 * with a PRNet model) into one: for every photo, the kept label whose final fit is closest to the
 * human annotations (lowest `nme`; ties go to the earlier source). Photos no source kept stay in the
 * quality records as dropped. Records are copied byte for byte (their crc32 checked); the output is
 * a `fitted` dataset like `data label`'s, with `shard-*.quality.json` and `fit-report.json`.
 * @throws DatasetError: 'DATASET_MISMATCH' when a source is not a label dataset or they differ in
 * image size, UV resolution or image format; 'DATASET_MISSING' when a shard's quality records are
 * missing; 'DATASET_CORRUPT' when a source has corrupt shards.
 */
export function selectLabels(options: SelectLabelsOptions): SelectLabelsResult {
  if (options.from.length < 2) throw new InvalidArgumentError(`select-labels needs at least two label datasets, got ${options.from.length}`);
  const outDir = resolve(options.outDir);
  const sources = options.from.map((d) => resolve(d));
  if (sources.includes(outDir)) throw new InvalidArgumentError(`the output folder ${outDir} is one of the sources`);
  const manifests = sources.map((d) => readManifest(d));
  const first = manifests[0];
  manifests.forEach((m, k) => {
    if ((m.kind as string) !== 'fitted') throw new DatasetError('DATASET_MISMATCH', `${sources[k]} is not a label dataset (kind ${m.kind}); select-labels merges "data label" outputs`);
    const differs = (['imageSize', 'uvResolution', 'imageFormat', 'positionMapEncoding', 'frame'] as const).filter((key) => m[key] !== first[key]);
    if (differs.length > 0) throw new DatasetError('DATASET_MISMATCH', `${sources[k]} differs from ${sources[0]} in ${differs.join(', ')}`);
  });
  const shardSize = options.shardSize ?? first.shardSize;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new InvalidArgumentError(`shardSize must be a positive integer, got ${shardSize}`);

  // Every photo's candidates, in the order photos first appear (the first source's seeded order).
  const order: number[] = [];
  const candidates = new Map<number, Candidate[]>();
  // Sizes and headers only at open: each copied record's crc32 is checked as it is read.
  const readers: DatasetReader[] = sources.map((dir) => openDataset(dir, { verify: 'size' }));
  sources.forEach((dir, source) => {
    if (readers[source].corruptShards > 0) throw new DatasetError('DATASET_CORRUPT', `${dir} has corrupt shards (prnet-train data verify ${dir})`);
    // The reader numbers the records of the complete shards in manifest order; a shard still being written is skipped.
    let offset = 0;
    for (const shard of manifests[source].shards) {
      const qualityFile = join(dir, qualityFileName(Number(/^shard-(\d+)\.bin$/.exec(shard.file)![1])));
      if (!existsSync(qualityFile)) throw new DatasetError('DATASET_MISSING', `${qualityFile} is missing: ${dir} is not a complete "data label" output`);
      for (const quality of JSON.parse(readFileSync(qualityFile, 'utf8')) as QualityRecord[]) {
        let list = candidates.get(quality.aflwIndex);
        if (!list) {
          list = [];
          candidates.set(quality.aflwIndex, list);
          order.push(quality.aflwIndex);
        }
        list.push({ source, index: quality.kept ? offset + quality.record : -1, quality });
      }
      offset += shard.count;
    }
  });
  const pick = (list: readonly Candidate[]): Candidate => {
    let best: Candidate | undefined;
    for (const c of list) {
      if (!c.quality.kept || c.quality.nme === null) continue;
      if (!best || c.quality.nme < best.quality.nme!) best = c;
    }
    return best ?? list[0];
  };

  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (/^shard-\d+\.(bin|quality\.json)$/.test(f) || f === 'manifest.json') rmSync(join(outDir, f));
  const chosen = sources.map(() => 0);
  const shards: ShardEntry[] = [];
  const quality: SelectedQualityRecord[] = [];
  for (const p of planShards(order.length, shardSize)) {
    const tmp = join(outDir, `${p.file}.tmp`);
    const fd = openSync(tmp, 'w');
    const records: SelectedQualityRecord[] = [];
    let written = 0;
    try {
      writeSync(fd, new Uint8Array(SHARD_HEADER_BYTES));
      for (const aflwIndex of order.slice(p.start, p.start + p.count)) {
        const c = pick(candidates.get(aflwIndex)!);
        const kept = c.quality.kept && c.quality.nme !== null;
        if (kept) {
          const bytes = readers[c.source].recordBytes(c.index);
          let o = 0;
          while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
          chosen[c.source]++;
        }
        records.push({ ...c.quality, kept, record: kept ? written++ : -1, source: basename(sources[c.source]) });
      }
      writeSync(fd, encodeShardHeader({ count: written, start: p.start, imageSize: first.imageSize, uvResolution: first.uvResolution, imageFormat: first.imageFormat }), 0, SHARD_HEADER_BYTES, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(outDir, p.file));
    writeFileSync(join(outDir, qualityFileName(p.shard)), `${JSON.stringify(records)}\n`);
    const { bytes, crc32 } = fileCrc32(join(outDir, p.file));
    shards.push({ file: p.file, start: p.start, count: written, bytes, crc32 });
    quality.push(...records);
  }
  const settings = (first.generator ?? {}) as { maxNme?: number; minFaceScore?: number; useAnnotations?: boolean };
  const report = buildFitReport(quality, { maxNme: settings.maxNme ?? 0.08, minFaceScore: settings.minFaceScore ?? 0.5, useAnnotations: settings.useAnnotations ?? true });
  writeFileSync(join(outDir, 'fit-report.json'), `${JSON.stringify(report, null, 1)}\n`);
  const manifest = {
    ...first,
    count: order.length,
    shardSize,
    generator: {
      source: 'select-labels',
      rule: 'per photo, the kept fit with the lowest NME against the annotated points (ties: the earlier source)',
      from: sources.map((dir, k) => ({ dir, teacher: (manifests[k].generator as { teacher?: string } | undefined)?.teacher, chosen: chosen[k] })),
    },
    licence: manifests.map((m) => (m as { licence?: string }).licence).find((l) => l),
    shards,
    complete: true,
  } as unknown as DatasetManifest;
  writeManifest(outDir, manifest);
  return { manifest, report, photos: order.length, chosen };
}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDataCommand } from '../data/data-command.js';
import { openDataset } from '../data/dataset-reader.js';
import { fileCrc32, readManifest, writeManifest, type DatasetManifest, type ShardEntry } from '../data/manifest.js';
import { encodeSample, encodeShardHeader } from '../data/sample-codec.js';
import { planShards } from '../data/write-dataset.js';
import type { QualityRecord } from './fit-report.js';
import { qualityFileName } from './label-dataset.js';
import { selectLabels, type SelectedQualityRecord } from './select-labels.js';

const R = 4;
const SIZE = 6;

interface FakePhoto {
  readonly aflwIndex: number;
  readonly nme: number | null;
  readonly kept: boolean;
}

/** A tiny `data label`-style dataset whose kept samples carry `tag` in every position-map value. */
function writeLabelSet(dir: string, tag: number, photos: readonly FakePhoto[], options: { uvResolution?: number; teacher?: string } = {}): void {
  const r = options.uvResolution ?? R;
  const mask = new Uint8Array(r * r).fill(1);
  const shards: ShardEntry[] = [];
  for (const p of planShards(photos.length, 2)) {
    const chunks: Uint8Array[] = [encodeShardHeader({ count: 0, start: p.start, imageSize: SIZE, uvResolution: r, imageFormat: 'rgb' })];
    const records: QualityRecord[] = [];
    for (const photo of photos.slice(p.start, p.start + p.count)) {
      const record: QualityRecord = {
        aflwIndex: photo.aflwIndex,
        image: `images/${photo.aflwIndex}.jpg`,
        yawDegrees: 10 * photo.aflwIndex,
        calibration: false,
        nme: photo.nme,
        nmeTeacherOnly: photo.nme === null ? null : photo.nme * 2,
        faceScore: 1,
        teacherRms: 0.01,
        points: 19,
        pose: { pitch: 0, yaw: 0, roll: 0 },
        kept: photo.kept,
        record: photo.kept ? chunks.length - 1 : -1,
        ...(photo.kept ? {} : { reason: 'NME 9.0 % > 8.0 %' }),
      };
      if (photo.kept) {
        chunks.push(
          encodeSample(
            {
              index: photo.aflwIndex,
              seed: 0,
              image: { width: SIZE, height: SIZE, channels: 3, data: new Uint8Array(SIZE * SIZE * 3).fill(tag) },
              positionMap: new Float32Array(r * r * 3).fill(tag),
              landmarks68: new Float32Array(204).fill(tag),
              pose: { pitch: 0, yaw: 0, roll: 0 },
              expression: new Float32Array(53),
            },
            mask,
          ),
        );
      }
      records.push(record);
    }
    chunks[0] = encodeShardHeader({ count: chunks.length - 1, start: p.start, imageSize: SIZE, uvResolution: r, imageFormat: 'rgb' });
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      bytes.set(c, o);
      o += c.length;
    }
    writeFileSync(join(dir, p.file), bytes);
    writeFileSync(join(dir, qualityFileName(p.shard)), JSON.stringify(records));
    const { bytes: size, crc32 } = fileCrc32(join(dir, p.file));
    shards.push({ file: p.file, start: p.start, count: chunks.length - 1, bytes: size, crc32 });
  }
  writeManifest(dir, {
    format: 'prnet-dataset',
    version: 1,
    kind: 'fitted',
    seed: 0,
    count: photos.length,
    imageSize: SIZE,
    uvResolution: r,
    shardSize: 2,
    imageFormat: 'rgb',
    positionMapEncoding: 'uint16-range',
    frame: 'image',
    expressionNames: [],
    generatorVersion: 3,
    generator: { teacher: options.teacher ?? `teacher ${tag}`, maxNme: 0.08, minFaceScore: 0.5, useAnnotations: true },
    licence: 'AFLW: non-commercial research use only',
    shards,
    complete: true,
  } as unknown as DatasetManifest);
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'prnet-select-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('selectLabels', () => {
  it('takes, per photo, the kept label closest to the annotations, copying its record', () => {
    const a = tempDir();
    const b = tempDir();
    const out = join(tempDir(), 'merged');
    // Photo 1: both kept, b closer. 2: both kept, a closer. 3: only b kept. 4: neither. 5: only in a.
    writeLabelSet(a, 10, [
      { aflwIndex: 1, nme: 0.03, kept: true },
      { aflwIndex: 2, nme: 0.02, kept: true },
      { aflwIndex: 3, nme: 0.09, kept: false },
      { aflwIndex: 4, nme: 0.1, kept: false },
      { aflwIndex: 5, nme: 0.04, kept: true },
    ]);
    writeLabelSet(b, 20, [
      { aflwIndex: 3, nme: 0.05, kept: true },
      { aflwIndex: 1, nme: 0.025, kept: true },
      { aflwIndex: 2, nme: 0.021, kept: true },
      { aflwIndex: 4, nme: null, kept: false },
    ]);
    const result = selectLabels({ from: [a, b], outDir: out });
    expect(result.photos).toBe(5);
    expect(result.chosen).toEqual([2, 2]);
    const reader = openDataset(out);
    expect(reader.count).toBe(4);
    const tagOf = new Map<number, number>();
    for (let i = 0; i < reader.count; i++) {
      const s = reader.get(i);
      tagOf.set(s.index, Math.round(s.positionMap[0]));
      expect(s.landmarks68[0]).toBeCloseTo(s.positionMap[0], 5);
    }
    expect(Object.fromEntries(tagOf)).toEqual({ 1: 20, 2: 10, 3: 20, 5: 10 });
    const quality = readManifest(out).shards.flatMap((_, k) => JSON.parse(readFileSync(join(out, qualityFileName(k)), 'utf8')) as SelectedQualityRecord[]);
    expect(quality.map((q) => [q.aflwIndex, q.kept])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
      [5, true],
    ]);
    expect(quality.filter((q) => q.kept).map((q) => q.record)).toEqual([0, 1, 0, 0]); // shards of 2 photos: [1, 2], [3, 4], [5]
    const base = (d: string) => d.split('/').pop();
    expect(quality.map((q) => q.source)).toEqual([base(b), base(a), base(b), base(a), base(a)]);
    expect(quality.find((q) => q.aflwIndex === 1)!.nme).toBe(0.025);
    expect(result.report.kept).toBe(4);
    expect(result.report.dropped).toBe(1);
    const generator = readManifest(out).generator as unknown as { from: { teacher: string; chosen: number }[] };
    expect(generator.from.map((f) => [f.teacher, f.chosen])).toEqual([['teacher 10', 2], ['teacher 20', 2]]);
  });

  it('refuses sources that differ in UV resolution, a single source, and the output among the sources', () => {
    const a = tempDir();
    const b = tempDir();
    writeLabelSet(a, 1, [{ aflwIndex: 1, nme: 0.03, kept: true }]);
    writeLabelSet(b, 2, [{ aflwIndex: 1, nme: 0.02, kept: true }], { uvResolution: 8 });
    expect(() => selectLabels({ from: [a, b], outDir: join(tempDir(), 'x') })).toThrow(/differs from .* in uvResolution/);
    expect(() => selectLabels({ from: [a], outDir: join(tempDir(), 'x') })).toThrow(/at least two/);
    expect(() => selectLabels({ from: [a, a], outDir: a })).toThrow(/is one of the sources/);
  });

  it('runs as prnet-train data select-labels', async () => {
    const a = tempDir();
    const b = tempDir();
    const out = join(tempDir(), 'merged');
    writeLabelSet(a, 1, [{ aflwIndex: 7, nme: 0.05, kept: true }]);
    writeLabelSet(b, 2, [{ aflwIndex: 7, nme: 0.01, kept: true }]);
    const lines: string[] = [];
    expect(await runDataCommand(['select-labels', '--from', `${a},${b}`, '--out', out], { log: (l) => lines.push(l) })).toBe(0);
    expect(lines[0]).toMatch(/1 photos, 1 labelled \(0 from .*, 1 from .*\), 0 kept by no source/);
    expect(Math.round(openDataset(out).get(0).positionMap[0])).toBe(2);
  });
});

import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@prnet/core';
import { findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { runDataCommand } from './data-command.js';
import { DatasetError } from './dataset-error.js';
import { openDataset } from './dataset-reader.js';
import { readManifest } from './manifest.js';
import { decodeSample, RECORD_HEADER_BYTES, SHARD_HEADER_BYTES } from './sample-codec.js';
import type { Sample } from './sample.js';
import { writeSyntheticDataset, type DatasetProgress, type WriteDatasetOptions } from './write-dataset.js';

const root = mkdtempSync(join(tmpdir(), 'prnet-data-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openDataset without data', () => {
  it('throws a typed DATASET_MISSING error for a folder without manifest', () => {
    const dir = join(root, 'empty');
    let error: unknown;
    try {
      openDataset(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe('DATASET_MISSING');
    expect((error as Error).message).toMatch(/manifest\.json not found/);
  });

  it('rejects a malformed manifest as DATASET_CORRUPT', () => {
    const dir = mkdtempSync(join(root, 'bad-'));
    writeFileSync(join(dir, 'manifest.json'), '{"format":"something-else"}');
    expect(() => openDataset(dir)).toThrow(/not a version-1 prnet-dataset/);
    writeFileSync(join(dir, 'manifest.json'), '{"format":');
    expect(() => openDataset(dir)).toThrow(DatasetError);
  });
});

const dataDir = findSharedDataDir();

describe.skipIf(!dataDir)('writeSyntheticDataset / openDataset (needs ../shared/data; skipped when absent)', () => {
  let model: IctModel;
  const base = (outDir: string, extra: Partial<WriteDatasetOptions> = {}): WriteDatasetOptions => ({
    outDir,
    count: 7,
    seed: 11,
    shardSize: 3,
    imageSize: 64,
    uvResolution: 32,
    model,
    ...extra,
  });
  const dirA = join(root, 'a');
  const shardFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
  const sameFiles = (a: string, b: string) => {
    expect(shardFiles(b)).toEqual(shardFiles(a));
    for (const f of [...shardFiles(a), 'manifest.json']) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);
  };
  const allSamples = (dir: string): Sample[] => {
    const reader = openDataset(dir);
    return Array.from({ length: reader.count }, (_, i) => reader.get(i));
  };
  const progress: DatasetProgress[] = [];

  beforeAll(async () => {
    model = loadIctModel();
    const result = await writeSyntheticDataset({ ...base(dirA), onProgress: (p) => progress.push(p) });
    expect(result.generated).toBe(7);
  });

  it('writes a manifest with 3 shards, sizes, crc32s and the stated bytes per sample', () => {
    const m = readManifest(dirA);
    expect(m).toMatchObject({ format: 'prnet-dataset', version: 1, kind: 'synthetic', seed: 11, count: 7, imageSize: 64, uvResolution: 32, complete: true });
    expect(m.shards.map((s) => [s.file, s.start, s.count])).toEqual([
      ['shard-00000.bin', 0, 3],
      ['shard-00001.bin', 3, 3],
      ['shard-00002.bin', 6, 1],
    ]);
    const perSample = RECORD_HEADER_BYTES + 32 * 32 * 6 + 64 * 64 * 3;
    expect(m.shards[0].bytes).toBe(SHARD_HEADER_BYTES + 3 * perSample);
    expect(m.expressionNames).toHaveLength(53);
    // Progress: one report per sample, ending at 7/7 with a rate and an ETA of 0.
    expect(progress.length).toBeGreaterThanOrEqual(7);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ done: 7, total: 7, generated: 7, shardsDone: 3, shardsTotal: 3, etaSeconds: 0 });
    expect(last.rate).toBeGreaterThan(0);
  });

  it('is deterministic: the same seed gives identical bytes; another seed does not', async () => {
    const dirB = join(root, 'b');
    await writeSyntheticDataset(base(dirB));
    sameFiles(dirA, dirB);
    const dirC = join(root, 'c');
    await writeSyntheticDataset(base(dirC, { seed: 12, count: 3 }));
    expect(readFileSync(join(dirC, 'shard-00000.bin')).equals(readFileSync(join(dirA, 'shard-00000.bin')))).toBe(false);
  });

  it('does not depend on shard boundaries: shardSize 5 stores the same samples', async () => {
    const dirD = join(root, 'd');
    await writeSyntheticDataset(base(dirD, { shardSize: 5 }));
    const a = allSamples(dirA);
    const d = allSamples(dirD);
    expect(d.length).toBe(7);
    for (let i = 0; i < 7; i++) {
      expect(d[i].index).toBe(i);
      expect(d[i].seed).toBe(a[i].seed);
      expect(Buffer.from(d[i].image.data).equals(Buffer.from(a[i].image.data))).toBe(true);
      expect(Buffer.from(d[i].positionMap.buffer).equals(Buffer.from(a[i].positionMap.buffer))).toBe(true);
      expect(Array.from(d[i].landmarks68)).toEqual(Array.from(a[i].landmarks68));
    }
  });

  it('uses worker threads (workers = 2) and writes the same bytes', async () => {
    const dirW = join(root, 'w');
    const { model: _unused, ...options } = base(dirW, { workers: 2 });
    const result = await writeSyntheticDataset(options);
    expect(result.generated).toBe(7);
    sameFiles(dirA, dirW);
  });

  it('resumes: keeps valid shards, regenerates deleted, truncated and partial ones to identical bytes', async () => {
    const dirE = join(root, 'e');
    cpSync(dirA, dirE, { recursive: true });
    unlinkSync(join(dirE, 'shard-00001.bin'));
    truncateSync(join(dirE, 'shard-00002.bin'), 100);
    writeFileSync(join(dirE, 'shard-00001.bin.partial'), 'left over from a crash');
    const result = await writeSyntheticDataset(base(dirE));
    expect(result.skippedShards).toBe(1);
    expect(result.generated).toBe(4);
    sameFiles(dirA, dirE);
    expect(existsSync(join(dirE, 'shard-00001.bin.partial'))).toBe(false);
    // A second run has nothing to do.
    const again = await writeSyntheticDataset(base(dirE));
    expect(again.generated).toBe(0);
    expect(again.skippedShards).toBe(3);
  });

  it('refuses to resume into a dataset with other parameters', async () => {
    await expect(writeSyntheticDataset(base(dirA, { imageSize: 48 }))).rejects.toMatchObject({ code: 'DATASET_MISMATCH' });
    await expect(writeSyntheticDataset(base(dirA, { face: { identityScale: 1 } }))).rejects.toThrow(/generator/);
    const dirV = join(root, 'v');
    cpSync(dirA, dirV, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dirV, 'manifest.json'), 'utf8'));
    writeFileSync(join(dirV, 'manifest.json'), JSON.stringify({ ...manifest, generatorVersion: 0 }));
    await expect(writeSyntheticDataset(base(dirV))).rejects.toThrow(/generatorVersion/);
  });

  it('skips and counts a corrupt shard (bad crc, truncated), warning once', async () => {
    const dirF = join(root, 'f');
    cpSync(dirA, dirF, { recursive: true });
    const path = join(dirF, 'shard-00001.bin');
    const bytes = readFileSync(path);
    bytes[SHARD_HEADER_BYTES + RECORD_HEADER_BYTES + 10] ^= 0xff; // inside record 0 of shard 1
    writeFileSync(path, bytes);
    truncateSync(join(dirF, 'shard-00002.bin'), 5000);
    const warnings: string[] = [];
    const reader = openDataset(dirF, { onWarning: (m) => warnings.push(m) });
    expect(reader.corruptShards).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/corrupt shard shard-00001\.bin/);
    expect(reader.count).toBe(3);
    const seen: number[] = [];
    for await (const s of reader.iterate()) seen.push(s.index);
    expect(seen).toEqual([0, 1, 2]);

    // Size-only verification finds the flipped byte when the record is read (record crc32).
    const lazyWarnings: string[] = [];
    const lazy = openDataset(dirF, { verify: 'size', onWarning: (m) => lazyWarnings.push(m) });
    expect(lazy.corruptShards).toBe(1); // the truncated one
    expect(lazy.count).toBe(6);
    expect(() => lazy.recordBytes(3)).toThrow(DatasetError); // raw copies are checked too
    expect(lazy.corruptShards).toBe(2);
    expect(() => lazy.get(3)).toThrow(DatasetError);
    expect(() => lazy.get(4)).toThrow(/corrupt shard shard-00001/); // a good record of a corrupt shard
    expect(lazy.get(2).index).toBe(2);
    expect(decodeSample(lazy.recordBytes(2), lazy.manifest.uvResolution, 'copy')).toEqual(lazy.get(2));
    const lazySeen: number[] = [];
    for await (const s of lazy.iterate()) lazySeen.push(s.index);
    expect(lazySeen).toEqual([0, 1, 2]);
    expect(lazyWarnings).toHaveLength(1);
  });

  it('iterates in a seeded order per epoch and resumes mid-epoch from startIndex', async () => {
    const reader = openDataset(dirA);
    const plain = reader.order();
    expect(Array.from(plain)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const e0 = reader.order({ shuffle: true, seed: 3, epoch: 0 });
    const e1 = reader.order({ shuffle: true, seed: 3, epoch: 1 });
    expect([...e0].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(e0)).toEqual(Array.from(reader.order({ shuffle: true, seed: 3, epoch: 0 })));
    expect(Array.from(e0)).not.toEqual(Array.from(e1));
    const tail: number[] = [];
    for await (const s of reader.iterate({ shuffle: true, seed: 3, epoch: 1, startIndex: 4, prefetch: 2 })) tail.push(s.index);
    expect(tail).toEqual(Array.from(e1.subarray(4)));
    expect(() => reader.get(7)).toThrow(InvalidArgumentError);
  });

  it('runs as a CLI command: synth with progress lines, verify, sheet, and usage errors', async () => {
    const dir = join(root, 'cli');
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const code = await runDataCommand(['synth', '--out', dir, '--count', '3', '--image-size', '48', '--uv-resolution', '32', '--shard-size', '2', '--seed', '5'], {
      log,
      progressInterval: 0,
    });
    expect(code).toBe(0);
    expect(lines.some((l) => /^3\/3 \(100\.0%\) · shards 2\/2 · [\d.]+ samples\/s/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/done: 2 shards \(0 kept from before\), 3 samples generated .* bytes\/sample/);
    expect(await runDataCommand(['verify', dir], { log })).toBe(0);
    expect(lines[lines.length - 1]).toMatch(/3 readable samples of 3 planned, 2 shards listed, 0 corrupt, complete/);
    const png = join(root, 'sheet.png');
    expect(await runDataCommand(['sheet', '--dataset', dir, '--out', png, '--n', '2'], { log })).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    await expect(runDataCommand(['synth', '--out', dir], { log })).rejects.toThrow(InvalidArgumentError);
    await expect(runDataCommand(['synth', '--out', dir, '--count', '3', '--bogus', '1'], { log })).rejects.toThrow(/unknown option --bogus/);
    await expect(runDataCommand(['nope'], { log })).rejects.toThrow(/unknown data command/);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, uvMirrorMap } from '@prnet/core';
import { decodeImage } from '@prnet/core/node';
import { useTestBackend } from '@prnet/core/testing';
import { makeTrainingBatch } from './augment.js';
import { exportTrainingPairs, type PairsSourceReader } from './export-pairs.js';
import { TINY_SIZE, tinyLayout, tinySamples } from '../train/test-fixtures.js';

/** A file as its own ArrayBuffer (small Buffers share a pool). */
const bytes = (path: string): ArrayBuffer => new Uint8Array(readFileSync(path)).buffer;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

describe('exportTrainingPairs', () => {
  const layout = tinyLayout();
  const samples = tinySamples(layout, 5, 3);
  let dir: string;
  beforeAll(async () => {
    await useTestBackend();
    dir = mkdtempSync(join(tmpdir(), 'prnet-pairs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the plain crops as JPEGs and the exact float16 targets, with weights and per-sample records', () => {
    const reader: PairsSourceReader = { count: samples.length, manifest: { uvResolution: TINY_SIZE }, get: (i) => samples[i] };
    const progress: number[] = [];
    const result = exportTrainingPairs({
      sources: [{ reader, limit: 4 }, { reader, limit: 1 }],
      outDir: dir,
      inputSize: TINY_SIZE,
      jpegQuality: 95,
      layout,
      onProgress: (done) => progress.push(done),
    });
    expect(result.count).toBe(5);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const meta = JSON.parse(readFileSync(join(dir, 'pairs.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'prnet-pairs', count: 5, inputSize: TINY_SIZE, uvResolution: TINY_SIZE });
    expect(meta.sources.map((s: { count: number }) => s.count)).toEqual([4, 1]);

    const index = new Uint32Array(bytes(join(dir, 'images.idx')));
    expect(index.length).toBe(6);
    expect(index[0]).toBe(0);
    const blob = readFileSync(join(dir, 'images.bin'));
    expect(index[5]).toBe(blob.length);
    const targets = new Uint16Array(bytes(join(dir, 'targets.f16')));
    const R2 = TINY_SIZE * TINY_SIZE;
    expect(targets.length).toBe(5 * R2 * 3);
    const perSample = new Float32Array(bytes(join(dir, 'samples.f32')));
    expect(Array.from(perSample.filter((_, i) => i % 2 === 0))).toEqual([0, 0, 0, 0, 1]);
    expect(perSample[3]).toBeCloseTo(Math.abs(samples[1].pose.yaw), 4);
    const weights = new Float32Array(bytes(join(dir, 'weights.f32')));
    expect(Array.from(weights)).toEqual(Array.from(layout.weightMask));
    const mirror = new Int32Array(bytes(join(dir, 'mirror.i32')));
    expect(Array.from(mirror)).toEqual(Array.from(uvMirrorMap(layout)));

    const order = [0, 1, 2, 3, 0];
    order.forEach((s, n) => {
      const batch = makeTrainingBatch([samples[s]], { inputSize: TINY_SIZE, augment: false });
      const want = batch.targets.dataSync();
      const pixels = batch.images.dataSync();
      tf.dispose([batch.images, batch.targets]);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(halfToFloat(targets[n * R2 * 3 + i]) - want[i]));
      expect(worst).toBeLessThan(5e-4);
      const image = decodeImage(new Uint8Array(blob.subarray(index[n], index[n + 1])));
      expect([image.width, image.height]).toEqual([TINY_SIZE, TINY_SIZE]);
      let diff = 0;
      for (let i = 0; i < pixels.length; i++) diff += Math.abs(image.data[i] / 255 - pixels[i]);
      expect(diff / pixels.length).toBeLessThan(0.03);
    });
  });

  it('rejects bad arguments with typed errors', () => {
    expect(() => exportTrainingPairs({ sources: [], outDir: dir })).toThrow(InvalidArgumentError);
    expect(() => exportTrainingPairs({ sources: [{}], outDir: dir, layout })).toThrow(/dir or a reader/);
    const reader: PairsSourceReader = { count: samples.length, manifest: { uvResolution: TINY_SIZE }, get: (i) => samples[i] };
    expect(() => exportTrainingPairs({ sources: [{ reader }], outDir: dir, layout, jpegQuality: 0 })).toThrow(/quality/);
  });
});

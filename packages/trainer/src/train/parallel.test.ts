import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../backend/init-backend.js';
import type { SubBatchResult } from './gradient-worker.js';
import { combineResults, splitBatch, subBatchSizes } from './parallel.js';
import { memoryDataset, tinyLayout, tinySamples, writeTinyModel, TINY_SIZE } from './test-fixtures.js';
import { trainConfigFromArgs } from './train-command.js';
import { train, type TrainConfig, type TrainHooks } from './trainer.js';

const layout = tinyLayout();
const samples = tinySamples(layout, 10, 21);
let root: string;
let init: string;

function config(name: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    runDir: join(root, name),
    datasets: [{ dir: 'a' }, { dir: 'b', weight: 0.5 }],
    init,
    batchSize: 5,
    steps: 6,
    learningRate: { initial: 5e-3, warmup: 2 },
    weightDecay: 1e-3,
    checkpointEvery: 1000,
    logEvery: 1000,
    validateEvery: 0,
    seed: 4,
    backend: 'current',
    ...overrides,
  };
}

function hooks(extra: Partial<TrainHooks> = {}): TrainHooks {
  return { log: () => {}, openDataset: () => memoryDataset(samples, TINY_SIZE), layout, handleSignals: false, ...extra };
}

async function losses(name: string, overrides: Partial<TrainConfig>, extra: Partial<TrainHooks> = {}): Promise<{ losses: number[]; checkpoint: string }> {
  const out: number[] = [];
  const result = await train(
    config(name, overrides),
    hooks({
      ...extra,
      onStep: (r) => {
        out.push(r.loss);
        extra.onStep?.(r);
      },
    }),
  );
  expect(result.status).toBe('completed');
  return { losses: out, checkpoint: result.checkpoint };
}

const weightsOf = (checkpoint: string) => new Float32Array(readFileSync(join(checkpoint, 'model.weights.bin')).buffer.slice(0));

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

beforeAll(async () => {
  await initTrainingBackend('wasm', { log: null });
  root = mkdtempSync(join(tmpdir(), 'prnet-parallel-'));
  init = await writeTinyModel(join(root, 'init'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('sub-batches', () => {
  it('splits a batch in order, sizes as equal as possible', () => {
    expect(subBatchSizes(16, 2)).toEqual([8, 8]);
    expect(subBatchSizes(5, 2)).toEqual([3, 2]);
    expect(subBatchSizes(7, 3)).toEqual([3, 2, 2]);
    const images = Float32Array.from({ length: 5 * 4 }, (_, i) => i);
    const targets = Float32Array.from({ length: 5 * 2 }, (_, i) => -i);
    const parts = splitBatch(images, targets, [3, 2]);
    expect(parts.map((p) => [p.index, p.n])).toEqual([
      [0, 3],
      [1, 2],
    ]);
    expect(Array.from(parts[1].images)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    expect(Array.from(parts[0].targets)).toEqual([-0, -1, -2, -3, -4, -5]);
  });

  it('combines results weighted by size, in index order whatever order they arrive in', () => {
    const r = (index: number, loss: number, g: number[], s: number[]): SubBatchResult => ({
      index,
      loss,
      gradients: Float32Array.from(g),
      stats: Float32Array.from(s),
    });
    const combined = combineResults([r(1, 4, [2, 4], [1]), r(0, 1, [1, 1], [0])], [3, 1]);
    expect(combined.loss).toBeCloseTo(0.75 * 1 + 0.25 * 4, 12);
    expect(Array.from(combined.gradients)).toEqual([1.25, 1.75]);
    expect(Array.from(combined.stats)).toEqual([0.25]);
    expect(() => combineResults([r(0, 1, [1], [1])], [1, 1])).toThrow(/2 sub-batch results/);
  });
});

describe('data-parallel training (worker threads, tiny prnet-light, wasm)', () => {
  it('one worker thread with one sub-batch trains exactly like the calling thread', async () => {
    const local = await losses('local', { augment: false });
    const threaded = await losses('threaded-1', { augment: false }, { workerThreads: true });
    expectClose(threaded.losses, local.losses, 1e-6);
    expectClose(weightsOf(threaded.checkpoint), weightsOf(local.checkpoint), 1e-5);
  });

  it('2 sub-batches: 2 workers give the same losses and weights as 1 worker (augmentation, two datasets)', async () => {
    const one = await losses('k2-w1', { subBatches: 2, workers: 1 });
    const counts: number[] = [];
    const two = await losses('k2-w2', { workers: 2 }, { onStep: () => counts.push(tf.memory().numTensors) });
    // Adam creates its moments on the first update; after that nothing accumulates on the main thread.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(one.losses).toHaveLength(6);
    expectClose(two.losses, one.losses, 1e-6);
    expectClose(weightsOf(two.checkpoint), weightsOf(one.checkpoint), 1e-5);
    // The sub-batch count is part of the run: a 2-worker run is not the 1-sub-batch run.
    const local = await losses('k1', {});
    expect(Math.abs(local.losses[5] - one.losses[5])).toBeGreaterThan(0);
    // Resuming a one-sub-batch run with 2 workers keeps its sub-batch (on one worker thread) and says so.
    const lines: string[] = [];
    const more = await train(config('k1', { steps: 7, workers: 2, resume: true }), hooks({ log: (l) => lines.push(l) }));
    expect(more.step).toBe(7);
    expect(lines.join('\n')).toMatch(/2 workers asked for, but the run splits each batch into 1 sub-batch \(as when it started\): using 1/);
    expect(lines.join('\n')).toMatch(/on 1 worker thread, sub-batches of 5 samples/);
    const state = JSON.parse(readFileSync(join(two.checkpoint, 'state.json'), 'utf8'));
    expect(state.config.subBatches).toBe(2);
  });

  it('resumes exactly with another worker count (checkpoint written while the next batch was prepared ahead)', async () => {
    const straight = await losses('straight', { workers: 2 });
    const split: number[] = [];
    const controller = new AbortController();
    const first = await train(
      config('split', { workers: 2 }),
      hooks({
        signal: controller.signal,
        onStep: (r) => {
          split.push(r.loss);
          if (r.step === 3) controller.abort();
        },
      }),
    );
    expect(first.status).toBe('interrupted');
    expect(first.step).toBe(3);
    // --workers 1 on resume: the run's 2 sub-batches are kept (from the checkpoint).
    const lines: string[] = [];
    const second = await train(config('split', { workers: 1, resume: true }), hooks({ onStep: (r) => split.push(r.loss), log: (l) => lines.push(l) }));
    expect(second.step).toBe(6);
    expect(lines.join('\n')).toMatch(/1 worker thread, sub-batches of 3\+2 samples/);
    expectClose(split, straight.losses, 1e-6);
    // An explicit other sub-batch count is another run.
    await expect(train(config('split', { subBatches: 1, resume: true, steps: 8 }), hooks())).rejects.toMatchObject({ code: 'RESUME_MISMATCH' });
  });

  it('CLI: --workers N|auto and --sub-batches', () => {
    const base = ['--run', 'r', '--data', 'd'];
    expect(trainConfigFromArgs(base).workers).toBeUndefined();
    expect(trainConfigFromArgs([...base, '--workers', '2']).workers).toBe(2);
    expect(trainConfigFromArgs([...base, '--workers', 'auto']).workers).toBe('auto');
    expect(trainConfigFromArgs([...base, '--sub-batches', '4']).subBatches).toBe(4);
    expect(() => trainConfigFromArgs([...base, '--workers', 'many'])).toThrow(/--workers/);
    expect(() => trainConfigFromArgs([...base, '--workers', '0'])).toThrow(/--workers/);
  });
});

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../backend/init-backend.js';
import { memoryDataset, tinyLayout, tinySamples, writeTinyModel, TINY_SIZE } from './test-fixtures.js';
import { train, type TrainConfig, type TrainHooks } from './trainer.js';

const layout = tinyLayout();
const samples = tinySamples(layout, 8, 3);
const heldOut = tinySamples(layout, 8, 99);
let root: string;
let init: string;

const open = (dir: string) => (dir.endsWith('val') ? memoryDataset(heldOut, TINY_SIZE) : memoryDataset(samples, TINY_SIZE));

function config(name: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    runDir: join(root, name),
    datasets: [{ dir: 'mem-train' }],
    init,
    batchSize: 8,
    steps: 6,
    learningRate: { initial: 3e-3 },
    augment: false,
    checkpointEvery: 1000,
    logEvery: 1000,
    validateEvery: 0,
    seed: 5,
    backend: 'current',
    ...overrides,
  };
}

function hooks(extra: Partial<TrainHooks> = {}): TrainHooks {
  return { log: () => {}, openDataset: open, layout, handleSignals: false, ...extra };
}

beforeAll(async () => {
  // wasm with the trainer's gradient kernels (≈20× the cpu backend); falls back to cpu.
  await initTrainingBackend('wasm', { log: null });
  root = mkdtempSync(join(tmpdir(), 'prnet-train-'));
  init = await writeTinyModel(join(root, 'init'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('train (tiny prnet-light)', () => {
  it('overfits a tiny dataset: the loss falls ≥ 10×, with a flat tensor count', async () => {
    const losses: number[] = [];
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const started = Date.now();
    const result = await train(
      config('overfit', { steps: 60, learningRate: { initial: 1e-2, warmup: 3 }, validation: { synthDir: 'mem-val', limit: 8 } }),
      hooks({
        onStep: (r) => {
          losses.push(r.loss);
          counts.push(tf.memory().numTensors);
        },
      }),
    );
    console.log(`overfit: ${losses[0].toExponential(3)} → ${losses.at(-1)!.toExponential(3)} in ${(Date.now() - started) / 1000}s, ${result.samplesPerSec.toFixed(1)} samples/s`);
    expect(result.status).toBe('completed');
    expect(result.step).toBe(60);
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    expect(first / last).toBeGreaterThan(10);
    // Adam creates its moments on the first update; after that nothing may accumulate.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // Logs and checkpoint.
    const records = readFileSync(join(root, 'overfit', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.some((r) => r.step === 60 && typeof r.samplesPerSec === 'number')).toBe(true);
    const val = records.find((r) => r.split === 'synthetic');
    expect(val.count).toBe(8);
    expect(val.positionPx128).toBeGreaterThan(0);
    expect(Number.isFinite(val.nme2d)).toBe(true);
    expect(readdirSync(join(root, 'overfit', 'checkpoints'))).toEqual(['step-0000060']);
  });
});

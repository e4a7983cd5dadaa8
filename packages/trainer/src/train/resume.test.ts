import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrnetNetworkFromFile } from '@prnet/core/node';
import type { Sample } from '../data/sample.js';
import { exportModel } from './export.js';
import { memoryDataset, tinyLayout, tinySamples, writeTinyModel, TINY_SIZE } from './test-fixtures.js';
import { runExportCommand, runTrainCommand } from './train-command.js';
import { train, type TrainConfig, type TrainHooks } from './trainer.js';

const layout = tinyLayout();
const samples = tinySamples(layout, 6, 11);
let root: string;
let init: string;

function config(name: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    runDir: join(root, name),
    datasets: [{ dir: 'a' }, { dir: 'b', weight: 0.5 }],
    init,
    batchSize: 3,
    steps: 6,
    learningRate: { initial: 5e-3, warmup: 2 },
    weightDecay: 1e-3,
    checkpointEvery: 1000,
    logEvery: 2,
    validateEvery: 0,
    seed: 9,
    backend: 'current',
    ...overrides,
  };
}

function hooks(extra: Partial<TrainHooks> = {}, data: Sample[] = samples): TrainHooks {
  // Fresh reader objects per call, as a new process would have.
  return { log: () => {}, openDataset: () => memoryDataset(data, TINY_SIZE), layout, handleSignals: false, ...extra };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'prnet-resume-'));
  init = await writeTinyModel(join(root, 'init'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('checkpoints and resume (cpu, exact)', () => {
  it('6 steps straight equal 3 steps + checkpoint + restart + 3 steps (augmentation on, two datasets)', async () => {
    const straight: number[] = [];
    await train(config('straight'), hooks({ onStep: (r) => straight.push(r.loss) }));

    const split: number[] = [];
    const controller = new AbortController();
    const first = await train(
      config('split'),
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
    expect(readdirSync(join(root, 'split', 'checkpoints'))).toEqual(['step-0000003']);
    const state = JSON.parse(readFileSync(join(first.checkpoint, 'state.json'), 'utf8'));
    expect(state.step).toBe(3);
    expect(state.samplesSeen).toBe(9);
    expect(state.rng).toHaveLength(4);
    expect(state.cursors.map((c: { index: number }) => c.index).reduce((a: number, b: number) => a + b)).toBe(9);
    expect(existsSync(join(first.checkpoint, 'optimizer.bin'))).toBe(true);

    const second = await train(config('split', { resume: true }), hooks({ onStep: (r) => split.push(r.loss) }));
    expect(second.status).toBe('completed');
    expect(second.step).toBe(6);
    expect(split).toHaveLength(6);
    for (let i = 0; i < 6; i++) expect(Math.abs(split[i] - straight[i])).toBeLessThan(1e-6);
    // A different config may not resume this run.
    await expect(train(config('split', { resume: true, seed: 10, steps: 8 }), hooks())).rejects.toMatchObject({ code: 'RESUME_MISMATCH' });
    // Nor may a fresh run overwrite it.
    await expect(train(config('split'), hooks())).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('stops on a NaN loss, keeps the last good checkpoint and says so', async () => {
    // After 12 reads (4 steps of 3) every sample has a NaN in its position map.
    let reads = 0;
    const poisoned = samples.map((s) => {
      const bad = Float32Array.from(s.positionMap);
      bad[layout.vertexPixels[5] * 3 + 2] = Number.NaN;
      return { good: s, bad: { ...s, positionMap: bad } };
    });
    const reader = {
      ...memoryDataset(samples, TINY_SIZE),
      iterate(options: { epoch?: number; startIndex?: number; shuffle?: boolean; seed?: number } = {}) {
        const inner = memoryDataset(samples, TINY_SIZE).iterate(options);
        return (async function* () {
          for await (const s of inner) yield reads++ < 12 ? s : poisoned[s.index].bad;
        })();
      },
    };
    const lines: string[] = [];
    const error = await train(
      config('nan', { datasets: [{ dir: 'a' }], steps: 10, checkpointEvery: 2, augment: false }),
      hooks({ openDataset: () => reader, log: (l) => lines.push(l) }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DIVERGED' });
    expect((error as Error).message).toMatch(/loss became NaN at step 5/);
    expect((error as Error).message).toContain('step-0000004');
    expect(readdirSync(join(root, 'nan', 'checkpoints')).filter((n) => n.startsWith('step-'))).toEqual(['step-0000002', 'step-0000004']);
    const log = readFileSync(join(root, 'nan', 'log.jsonl'), 'utf8');
    expect(log).toContain('"event":"diverged"');
  });

  it('reports an out-of-memory batch with a smaller --batch suggestion', async () => {
    const huge = samples.map((s) => ({
      ...s,
      image: {
        ...s.image,
        get data(): Uint8Array {
          throw new RangeError('Array buffer allocation failed');
        },
      },
    }));
    await expect(train(config('oom', { batchSize: 4 }), hooks({}, huge))).rejects.toMatchObject({
      code: 'OUT_OF_MEMORY',
      message: expect.stringMatching(/batch size 4.*--batch 2/),
    });
  });

  it('names a missing dataset folder (DatasetError DATASET_MISSING)', async () => {
    const missing = join(root, 'no-such-dataset');
    const error = await train(config('missing', { datasets: [{ dir: missing }] }), { log: () => {}, handleSignals: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DatasetError', code: 'DATASET_MISSING' });
    expect((error as Error).message).toContain(missing);
  });

  it('exports a checkpoint as a trained model (float16) with a filled model card', async () => {
    const result = await train(config('export', { steps: 2, validation: { synthDir: 'val', limit: 4 } }), hooks());
    const out = join(root, 'exported');
    const exported = await exportModel({ checkpoint: result.checkpoint, out, float16: true });
    const network = await loadPrnetNetworkFromFile(exported.modelPath, { compile: false });
    try {
      expect(network.metadata.trained).toBe(true);
      expect(network.metadata.training?.steps).toBe(2);
      expect(network.metadata.training?.samplesSeen).toBe(6);
      expect(network.metadata.description).toMatch(/2 steps/);
    } finally {
      network.dispose();
    }
    const card = readFileSync(exported.cardPath!, 'utf8');
    expect(card).toMatch(/Steps: 2; samples seen: 6/);
    expect(card).toMatch(/position-map error \d+\.\d\d px at a 128 crop/);
    // float16 halves the weights of the float32 checkpoint.
    const bytes = (dir: string) => readFileSync(join(dir, 'model.weights.bin')).byteLength;
    expect(bytes(out)).toBeLessThan(bytes(result.checkpoint) * 0.6);
    // The built CLI in a fresh process (no tfjs backend started yet) exports too.
    const bin = fileURLToPath(new URL('../../bin/prnet-train.cjs', import.meta.url));
    const cliOut = join(root, 'exported-cli');
    await promisify(execFile)(process.execPath, [bin, 'export', '--checkpoint', result.checkpoint, '--out', cliOut], { timeout: 60_000 });
    expect(bytes(cliOut)).toBe(bytes(result.checkpoint));
  });

  it('CLI: --help, usage errors and export', async () => {
    let text = '';
    expect(await runTrainCommand(['--help'], { out: (t) => (text += t) })).toBe(0);
    expect(text).toMatch(/--data DIR\[:W\]/);
    let err = '';
    expect(await runTrainCommand(['--run', join(root, 'x')], { err: (t) => (err += t) })).toBe(2);
    expect(err).toMatch(/--data DIR is required/);
    expect(await runTrainCommand(['--run', 'x', '--data', 'd', '--steps', 'many'], { err: () => {} })).toBe(2);
    err = '';
    expect(await runTrainCommand(['--run', join(root, 'cli-missing'), '--data', join(root, 'nope:2'), '--backend', 'cpu'], { err: (t) => (err += t), out: () => {} })).toBe(1);
    expect(err).toContain(join(root, 'nope'));
    expect(await runExportCommand(['--checkpoint', join(root, 'nowhere'), '--out', join(root, 'o')], { err: () => {} })).toBe(1);
    expect(await runExportCommand(['--out', 'o'], { err: () => {} })).toBe(2);
  });
});

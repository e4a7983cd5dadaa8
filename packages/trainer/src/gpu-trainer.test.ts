/**
 * The PyTorch GPU trainer (packages/trainer/gpu) against tfjs: the same network must give the same
 * outputs and loss in both, and weights written by PyTorch must load in core unchanged. Runs the
 * Python unit tests too. Needs Debian's python3-torch (scripts/setup.sh installs it); without it
 * the suite is skipped with a message, and PRNET_REQUIRE_TORCH=1 turns the skip into a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrnetNetwork } from '@prnet/core';
import { loadPrnetNetworkFromFile, savePrnetNetworkToFile } from '@prnet/core/node';
import { useTestBackend } from '@prnet/core/testing';
import { positionMapLoss, weightMaskTensor } from './train/loss.js';
import { TINY_LIGHT, TINY_SIZE, tinyLayout } from './train/test-fixtures.js';

const GPU_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'gpu');
const PYTHON = process.env.PRNET_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' });
const hasTorch = probe.status === 0;
if (!hasTorch) {
  const why = `PyTorch trainer tests skipped: ${PYTHON} cannot import torch, numpy and PIL (apt-get install python3-torch python3-pil)`;
  if (process.env.PRNET_REQUIRE_TORCH === '1') throw new Error(why);
  console.warn(why);
}

function python(args: string[]): string {
  const r = spawnSync(PYTHON, args, { cwd: GPU_DIR, encoding: 'utf8', env: { ...process.env, PYTHONPATH: GPU_DIR } });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const floats = (path: string): Float32Array => new Float32Array(new Uint8Array(readFileSync(path)).buffer);

describe.skipIf(!hasTorch)('PyTorch GPU trainer (run on the CPU)', () => {
  let dir: string;
  beforeAll(async () => {
    await useTestBackend();
    dir = mkdtempSync(join(tmpdir(), 'prnet-gpu-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes its Python unit tests (model I/O, augmentation geometry, pack, a CPU training run)', () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], {
      cwd: GPU_DIR,
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: GPU_DIR },
    });
    expect(r.stderr).toMatch(/\nOK\s*$/);
    expect(r.status).toBe(0);
  });

  it('runs a tfjs prnet-light with the same outputs and loss, and its saved weights load back in core', async () => {
    const network = createPrnetNetwork('prnet-light', { inputSize: TINY_SIZE, light: TINY_LIGHT });
    // Random weights everywhere, BatchNorm statistics and the UV template included.
    let seed = 11;
    const names = network.model.weights.map((v) => v.name);
    network.model.setWeights(
      network.model.getWeights().map((w, i) =>
        names[i].includes('moving_variance')
          ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed++)
          : tf.randomUniform(w.shape, -0.3, 0.3, 'float32', seed++),
      ),
    );
    const modelPath = join(dir, 'tiny', 'model.json');
    await savePrnetNetworkToFile(network, modelPath);
    const x = tf.randomUniform([3, TINY_SIZE, TINY_SIZE, 3], 0, 1, 'float32', 5);
    const y = network.model.predict(x) as tf.Tensor4D;
    const target = tf.randomUniform(y.shape, 0, 1, 'float32', 6) as tf.Tensor4D;
    const layout = tinyLayout();
    const weights = weightMaskTensor(layout);
    const loss = positionMapLoss(y, target, weights);
    writeFileSync(join(dir, 'in.f32'), x.dataSync() as Float32Array);
    writeFileSync(join(dir, 'target.f32'), target.dataSync() as Float32Array);
    writeFileSync(join(dir, 'weights.f32'), Float32Array.from(layout.weightMask));
    const want = y.dataSync() as Float32Array;
    const wantLoss = loss.dataSync()[0];
    tf.dispose([x, y, target, weights, loss]);
    network.dispose();

    const report = JSON.parse(
      python([
        '-m', 'prnet_gpu.parity', '--model', modelPath, '--input', join(dir, 'in.f32'), '--out', join(dir, 'out.f32'),
        '--target', join(dir, 'target.f32'), '--weights', join(dir, 'weights.f32'), '--resave', join(dir, 'resaved'),
      ]).trim(),
    );
    expect(report.shape).toEqual([3, TINY_SIZE, TINY_SIZE, 3]);
    const got = floats(join(dir, 'out.f32'));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(1e-5);
    expect(report.loss).toBeCloseTo(wantLoss, 6);

    const reloaded = await loadPrnetNetworkFromFile(join(dir, 'resaved', 'model.json'));
    const x2 = tf.tensor4d(floats(join(dir, 'in.f32')), [3, TINY_SIZE, TINY_SIZE, 3]);
    const y2 = reloaded.model.predict(x2) as tf.Tensor;
    const again = y2.dataSync();
    tf.dispose([x2, y2]);
    reloaded.dispose();
    let worst2 = 0;
    for (let i = 0; i < want.length; i++) worst2 = Math.max(worst2, Math.abs(again[i] - want[i]));
    expect(worst2).toBeLessThan(1e-6);
  });
});

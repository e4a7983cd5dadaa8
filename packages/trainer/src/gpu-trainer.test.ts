/**
 * The PyTorch GPU trainer (packages/trainer/gpu) against tfjs: the same network must give the same
 * outputs and loss in both, and weights written by PyTorch must load in core unchanged. Runs the
 * Python unit tests too. Needs Debian's python3-torch (scripts/setup.sh installs it); without it
 * the suite is skipped with a message, and PRNET_REQUIRE_TORCH=1 turns the skip into a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrnetNetwork, type PrnetLightOptions, type PrnetNetwork } from '@prnet/core';
import { loadPrnetNetworkFromFile, savePrnetNetworkToFile } from '@prnet/core/node';
import { useTestBackend } from '@prnet/core/testing';
import { growPrnetLight } from './init-model/grow.js';
import { positionMapLoss, weightMaskTensor } from './train/loss.js';
import { maxDifference, TINY_LIGHT, TINY_SIZE, tinyLayout } from './train/test-fixtures.js';

const GPU_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'gpu');
const PYTHON = process.env.PRNET_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' });
const hasTorch = probe.status === 0;
if (!hasTorch) {
  const why = `PyTorch trainer tests skipped: ${PYTHON} cannot import torch, numpy and PIL (apt-get install python3-torch python3-pil)`;
  if (process.env.PRNET_REQUIRE_TORCH === '1') throw new Error(why);
  console.warn(why);
}

/** Runs the Python interpreter in the trainer's gpu folder with prnet_gpu importable. */
function spawnPython(args: string[]) {
  return spawnSync(PYTHON, args, { cwd: GPU_DIR, encoding: 'utf8', env: { ...process.env, PYTHONPATH: GPU_DIR } });
}

/** spawnPython's stdout; throws with the output when the command fails. */
function python(args: string[]): string {
  const r = spawnPython(args);
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const floats = (path: string): Float32Array => new Float32Array(new Uint8Array(readFileSync(path)).buffer);

/**
 * A tiny prnet-light with random weights everywhere, BatchNorm statistics and the UV template
 * included. `live`: kernels scaled by their fan-in and positive BatchNorm scales, so that signals
 * pass every level instead of dying in the ReLUs (uniform ±0.3 leaves the deeper levels dead).
 */
function randomTinyNetwork(seed: number, light: PrnetLightOptions = TINY_LIGHT, live = false): PrnetNetwork {
  const network = createPrnetNetwork('prnet-light', { inputSize: TINY_SIZE, light });
  const names = network.model.weights.map((v) => v.name);
  const values = network.model.getWeights().map((w, i) => {
    const name = names[i];
    if (name.includes('moving_variance') || (live && name.includes('gamma'))) {
      return tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed++);
    }
    const fanIn = w.shape.slice(0, name.includes('depthwise') ? 2 : -1).reduce((a, b) => a * b, 1);
    const amplitude = live && name.includes('kernel') ? Math.sqrt(3 / fanIn) : live ? 0.1 : 0.3;
    return tf.randomUniform(w.shape, -amplitude, amplitude, 'float32', seed++);
  });
  network.model.setWeights(values);
  tf.dispose(values);
  return network;
}

describe.skipIf(!hasTorch)('PyTorch GPU trainer (run on the CPU)', () => {
  let dir: string;
  beforeAll(async () => {
    await useTestBackend();
    dir = mkdtempSync(join(tmpdir(), 'prnet-gpu-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes its Python unit tests (model I/O, augmentation geometry, pack, a CPU training run)', () => {
    const r = spawnPython(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.']);
    expect(r.stderr).toMatch(/\nOK\s*$/);
    expect(r.status).toBe(0);
  }, 360_000); // 132 s in a CI run that shared the 2 cores with a training run (the default limit is 120 s)

  it.each([
    ['', TINY_LIGHT],
    [' with coordinate channels', { ...TINY_LIGHT, coordinateChannels: true }],
  ] as const)('runs a tfjs prnet-light%s with the same outputs and loss, and its saved weights load back in core', async (_, light) => {
    const network = randomTinyNetwork(11, light);
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
    expect(maxDifference(floats(join(dir, 'out.f32')), want)).toBeLessThan(1e-5);
    expect(report.loss).toBeCloseTo(wantLoss, 6);

    const reloaded = await loadPrnetNetworkFromFile(join(dir, 'resaved', 'model.json'));
    const x2 = tf.tensor4d(floats(join(dir, 'in.f32')), [3, TINY_SIZE, TINY_SIZE, 3]);
    const y2 = reloaded.model.predict(x2) as tf.Tensor;
    const again = y2.dataSync();
    tf.dispose([x2, y2]);
    reloaded.dispose();
    expect(maxDifference(again, want)).toBeLessThan(1e-6);
  });

  it("widens a model into grow-model's topology alone (prnet_gpu.grow): same outputs, live new channels, core loads it", async () => {
    // grow-model reads prnet-lights with the default head only.
    const { headChannels: _, ...defaultHead } = TINY_LIGHT;
    const source = randomTinyNetwork(31, defaultHead, true);
    const sourcePath = join(dir, 'grow-source', 'model.json');
    await savePrnetNetworkToFile(source, sourcePath);
    const wide = growPrnetLight(source, { widths: [8, 24, 40] });
    const deep = growPrnetLight(source, { encoderBlocks: [0, 2, 1] });
    const coords = growPrnetLight(source, { widths: [8, 24, 40], coordinateChannels: true });
    await savePrnetNetworkToFile(wide, join(dir, 'grow-wide', 'model.json'));
    await savePrnetNetworkToFile(coords, join(dir, 'grow-coords', 'model.json'));
    coords.dispose();
    await savePrnetNetworkToFile(deep, join(dir, 'grow-deep', 'model.json'));
    const x = tf.randomUniform([2, TINY_SIZE, TINY_SIZE, 3], 0, 1, 'float32', 8);
    const y = source.model.predict(x) as tf.Tensor;
    const want = y.dataSync().slice();
    tf.dispose(y);
    wide.dispose();
    deep.dispose();
    source.dispose();

    // Only the topology travels: the grown weights file is removed first.
    rmSync(join(dir, 'grow-wide', 'model.weights.bin'));
    const out = join(dir, 'grow-python');
    const printed = python(['-m', 'prnet_gpu.grow', '--source', sourcePath, '--topology', join(dir, 'grow-wide', 'model.json'), '--out', out]);
    expect(printed).toMatch(/widened .* → .* weights/);
    const widened = await loadPrnetNetworkFromFile(join(out, 'model.json'));
    const y2 = widened.model.predict(x) as tf.Tensor;
    expect(maxDifference(y2.dataSync(), want)).toBeLessThan(1e-5);
    // The second level's 1×1 conv: old input → new output entries are random (not zero), new input → old output zero.
    const kernel = widened.model.weights.find((w) => w.name.includes('/kernel') && w.shape.length === 4 && w.shape[2] === 24 && w.shape[3] === 40);
    expect(kernel).toBeDefined();
    const k = kernel!.read() as tf.Tensor4D;
    const [newOut, cross] = tf.tidy(() => [
      tf.max(tf.abs(tf.slice(k, [0, 0, 0, 32], [-1, -1, 16, 8]))).dataSync()[0],
      tf.max(tf.abs(tf.slice(k, [0, 0, 16, 0], [-1, -1, 8, 32]))).dataSync()[0],
    ]);
    expect(newOut).toBeGreaterThan(0);
    expect(cross).toBe(0);
    tf.dispose(y2);
    widened.dispose();

    // Coordinate channels added with the widening: the stem reads them through zero entries.
    rmSync(join(dir, 'grow-coords', 'model.weights.bin'));
    const outCoords = join(dir, 'grow-python-coords');
    python(['-m', 'prnet_gpu.grow', '--source', sourcePath, '--topology', join(dir, 'grow-coords', 'model.json'), '--out', outCoords]);
    const withCoords = await loadPrnetNetworkFromFile(join(outCoords, 'model.json'));
    const y3 = withCoords.model.predict(x) as tf.Tensor;
    expect(maxDifference(y3.dataSync(), want)).toBeLessThan(1e-5);
    const stem = withCoords.model.getLayer('conv_1').getWeights()[0];
    expect(stem.shape[2]).toBe(5);
    expect(tf.tidy(() => tf.max(tf.abs(tf.slice(stem, [0, 0, 3, 0], [-1, -1, 2, -1]))).dataSync()[0])).toBe(0);
    tf.dispose([x, y3]);
    withCoords.dispose();

    const deepTopology = join(dir, 'grow-deep', 'model.json');
    const refused = spawnPython(['-m', 'prnet_gpu.grow', '--source', sourcePath, '--topology', deepTopology, '--out', join(dir, 'grow-refused')]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/only widening keeps the layer names/);
  });

  it('runs the GPU-call recipe end to end on the CPU (both starts rebuilt from the topologies, three runs, their EMA models) and the CPU recipe in two segments', async () => {
    // The recipe's WORK folder in miniature: a source model, grow-model's two topologies (weights
    // removed: only model.json travels), and a pack of tiny pairs.
    const { headChannels: _, ...defaultHead } = TINY_LIGHT;
    const work = join(dir, 'recipe-work');
    const source = randomTinyNetwork(41, defaultHead, true);
    await savePrnetNetworkToFile(source, join(work, 'gpu3', 'model.json'));
    const wide = growPrnetLight(source, { widths: [8, 24, 40] });
    const wideCoords = growPrnetLight(wide, { coordinateChannels: true });
    await savePrnetNetworkToFile(wide, join(work, 'w800', 'model.json'));
    await savePrnetNetworkToFile(wide, join(work, 'w800init', 'model.json')); // with weights: cpu-schedule.sh's start
    await savePrnetNetworkToFile(wideCoords, join(work, 'w800c', 'model.json'));
    rmSync(join(work, 'w800', 'model.weights.bin'));
    rmSync(join(work, 'w800c', 'model.weights.bin'));
    [source, wide, wideCoords].forEach((n) => n.dispose());
    python(['-c', `import sys; sys.path.insert(0, 'tests'); from test_pack_train import write_pairs; write_pairs(${JSON.stringify(join(work, 'pairs'))}, 12, 3, size=${TINY_SIZE}, r=${TINY_SIZE})`]);
    python(['-m', 'prnet_gpu.pack', '--pairs', join(work, 'pairs'), '--out', join(work, 'pack6'), '--components', '6']);

    const out = join(dir, 'recipe-out');
    const repoRoot = join(GPU_DIR, '..', '..', '..');
    const recipe = (name: string) => join(repoRoot, 'packages', 'trainer', 'recipes', name);
    const r = spawnSync('bash', [recipe('gpu-call.sh'), work], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, OUT: out, TMPDIR: dir, PRNET_PYTHON: PYTHON, STEPS: '1', EXTRA: '--batch 4 --val 2 --threads 1 --warmup 1' },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const log = readFileSync(join(out, 'gpu-call.log'), 'utf8');
    expect(log).toMatch(/started coords-plc: .*--placement-weight 3/);
    for (const [run, coords] of [['control', false], ['coords', true], ['coords-plc', true]] as const) {
      expect(log).toContain(`== ${run}`);
      const model = await loadPrnetNetworkFromFile(join(out, run, 'model.json'));
      expect(model.model.layers.some((l) => l.getClassName() === 'CoordinateChannels')).toBe(coords);
      expect(model.model.getLayer('conv_1').getWeights()[0].shape[2]).toBe(coords ? 5 : 3);
      const meta = JSON.parse(readFileSync(join(out, run, 'model.json'), 'utf8')).userDefinedMetadata.prnet;
      expect(meta.training).toMatchObject({ steps: 1, placementWeight: run === 'coords-plc' ? 3 : 0 });
      model.dispose();
    }

    // The CPU recipe: the same schedule's control run in segments; a segment of 0 minutes stops
    // after one step with a checkpoint, the same command continues it to the end.
    const segment = (minutes: string) =>
      spawnSync('bash', [recipe('cpu-schedule.sh'), work, 'control', minutes], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, PRNET_PYTHON: PYTHON, STEPS: '3', THREADS: '1', MICRO_BATCH: '2', EXTRA: '--batch 4 --val 2 --warmup 1' },
      });
    const first = segment('0');
    expect(first.status, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toMatch(/stopped at step 1 after --stop-after-minutes 0/);
    const second = segment('10');
    expect(second.status, `${second.stdout}\n${second.stderr}`).toBe(0);
    expect(second.stdout).toMatch(/resumed at step 1/);
    const meta = JSON.parse(readFileSync(join(work, 'runs', 'control', 'ema', 'model.json'), 'utf8')).userDefinedMetadata.prnet;
    expect(meta.training).toMatchObject({ steps: 3, batchSize: 4, placementWeight: 0, final: true });
    // bfloat16 passes where the CPU has bfloat16 instructions (PRECISION overrides it).
    const cpuFlags = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
    expect(meta.training.precision).toBe(/\b(avx512_bf16|amx_bf16)\b/.test(cpuFlags) ? 'bfloat16' : 'float32');
  });
});

/**
 * Training throughput benchmark (`npm run bench` in packages/trainer):
 *
 *   npx tsx bench/train.ts [--steps 3] [--warmup 1] [--batch 16] [--workers 1,2]
 *                          [--backends wasm,tensorflow] [--cpu-steps 1] [--data DIR]
 *
 * (or the environment: PRNET_BENCH_STEPS, PRNET_BENCH_CPU_STEPS, PRNET_BENCH_WORKERS,
 * PRNET_BENCH_BACKENDS, PRNET_BENCH_DATA). For each backend (wasm; tfjs-node when installed; cpu
 * only when asked for: `--backends wasm,cpu` — a batch-16 step takes minutes there) and worker
 * count ('1t': one worker thread) it runs `train()` on the default prnet-light (core's initial
 * model, 128² → 128²) at batch 16 and prints training samples/s (data loading, augmentation and
 * Adam included), the FLOP rate that is (3 × the forward FLOPs of the model's convolutions per
 * sample), and that rate as a fraction of the peak measured here on the same backend with a big
 * matMul and conv2d on one thread (the machine's peak is taken as cores × that), with ratios
 * against the baseline (wasm, 1 worker) of the same process.
 *
 * The samples are in memory (core's synthetic mean face, 192² images, no decoding) unless
 * --data names a dataset folder. The first `warmup` steps of each run are not timed (cpu: from
 * the start of the first step, as its steps are long).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import type * as tfl from '@tensorflow/tfjs-layers';
import { coreAssetPath, loadPrnetNetworkFromFile } from '@prnet/core/node';
import { syntheticLayout } from '@prnet/core/testing';
import { registerWasmTrainingKernels } from '../src/backend/wasm-kernels.js';
import { makeTrainingBatch } from '../src/data/augment.js';
import { openDataset } from '../src/data/dataset-reader.js';
import { cpuCount } from '../src/train/parallel.js';
import { memoryDataset, tinySamples } from '../src/train/test-fixtures.js';
import { train, type TrainingDatasetReader } from '../src/train/trainer.js';

type Backend = 'wasm' | 'cpu' | 'tensorflow';

function option(args: string[], name: string, env: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && args[i + 1] !== undefined) return args[i + 1];
  return process.env[env] ?? fallback;
}

/** Forward FLOPs (multiply-add = 2) of one sample through the model's convolutions and dense layers. */
export function forwardFlops(model: tfl.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const out = layer.outputShape as number[];
    const weights = layer.getWeights();
    const pixels = out.length === 4 ? out[1] * out[2] : 1;
    if (kind === 'Conv2D') {
      const [kh, kw, cin, cout] = weights[0].shape;
      flops += 2 * pixels * kh * kw * cin * cout;
    } else if (kind === 'DepthwiseConv2D') {
      const [kh, kw, cin, mult] = weights[0].shape;
      flops += 2 * pixels * kh * kw * cin * mult;
    } else if (kind === 'SeparableConv2D') {
      const [kh, kw, cin, mult] = weights[0].shape;
      const [, , , cout] = weights[1].shape;
      flops += 2 * pixels * (kh * kw * cin * mult + cin * mult * cout);
    } else if (kind === 'Dense') {
      const [cin, cout] = weights[0].shape;
      flops += 2 * cin * cout;
    }
  }
  return flops;
}

/** Best GFLOP/s of a big matMul and a big 3×3 conv2d on the active backend (one thread). */
function peakGflops(small: boolean): { gflops: number; what: string } {
  const time = (f: () => tf.Tensor, reps: number): number => {
    f().dispose(); // warm-up
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const start = performance.now();
      const y = f();
      y.dataSync();
      times.push(performance.now() - start);
      y.dispose();
    }
    return times.sort((a, b) => a - b)[0] / 1000;
  };
  const n = small ? 384 : 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2) as tf.Tensor2D;
  const matMul = (2 * n ** 3) / time(() => tf.matMul(a, b), small ? 1 : 3) / 1e9;
  const side = small ? 16 : 32;
  const x = tf.randomNormal([1, side, side, 128], 0, 1, 'float32', 3) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 128, 128], 0, 1, 'float32', 4) as tf.Tensor4D;
  const conv = (2 * side * side * 9 * 128 * 128) / time(() => tf.conv2d(x, w, 1, 'same'), small ? 1 : 3) / 1e9;
  tf.dispose([a, b, x, w]);
  return matMul >= conv
    ? { gflops: matMul, what: `matMul ${n}³ (conv ${conv.toFixed(1)})` }
    : { gflops: conv, what: `conv2d 3×3 ${side}²×128→128 (matMul ${matMul.toFixed(1)})` };
}

/** A module name TypeScript does not resolve (optional packages). */
const optionalModule = (name: string): string => name;

async function useBackend(backend: Backend): Promise<boolean> {
  try {
    if (backend === 'tensorflow' && !tf.findBackendFactory('tensorflow')) {
      try {
        await import(/* @vite-ignore */ optionalModule('@tensorflow/tfjs-node-gpu'));
      } catch {
        await import(/* @vite-ignore */ optionalModule('@tensorflow/tfjs-node'));
      }
    }
    if (backend === 'wasm') registerWasmTrainingKernels();
    if (!(await tf.setBackend(backend))) return false;
    await tf.ready();
    return true;
  } catch {
    return false;
  }
}

interface Row {
  backend: Backend;
  workers: string;
  samplesPerSec?: number;
  /** CPU seconds (all threads of the process) per sample. */
  cpuPerSample?: number;
  note?: string;
  peak?: number;
}

async function main(args: string[]): Promise<void> {
  const steps = Number(option(args, 'steps', 'PRNET_BENCH_STEPS', '3'));
  const warmup = Number(option(args, 'warmup', 'PRNET_BENCH_WARMUP', '1'));
  const cpuSteps = Number(option(args, 'cpu-steps', 'PRNET_BENCH_CPU_STEPS', '1'));
  const batch = Number(option(args, 'batch', 'PRNET_BENCH_BATCH', '16'));
  // '1t': one worker thread (the threaded path with one worker: data on the main thread).
  const workerCounts = option(args, 'workers', 'PRNET_BENCH_WORKERS', '1,2').split(',');
  const backends = option(args, 'backends', 'PRNET_BENCH_BACKENDS', 'wasm,tensorflow').split(',') as Backend[];
  const dataDir = option(args, 'data', 'PRNET_BENCH_DATA', '');
  const cores = cpuCount();
  const init = coreAssetPath('models', 'default', 'model.json');
  const root = mkdtempSync(join(tmpdir(), 'prnet-bench-train-'));

  await useBackend('wasm');
  const probe = await loadPrnetNetworkFromFile(init, { compile: false });
  const { inputSize: S, uvResolution: R, architecture } = probe.metadata;
  const flopsPerSample = 3 * forwardFlops(probe.model);
  probe.dispose();
  const layout = syntheticLayout({ resolution: R });
  const samples = dataDir ? undefined : tinySamples(layout, 64, 1, 192);
  console.log(
    `training throughput: ${architecture} ${S}²→${R}², batch ${batch}, ${(flopsPerSample / 3 / 1e9).toFixed(3)} GFLOP forward per sample ` +
      `(training ≈ 3× = ${(flopsPerSample / 1e9).toFixed(3)} GFLOP); ${cores} cores, load average ${loadavg()[0].toFixed(2)} at start; ` +
      `data: ${dataDir || 'in-memory synthetic 192² samples'}; timed steps: ${steps} after ${warmup} warm-up (cpu: ${cpuSteps} from the first)`,
  );

  if (samples) {
    // What the main thread does per batch besides the network (overlapped with the workers' compute when threaded).
    const times: number[] = [];
    for (let r = 0; r < 4; r++) {
      const start = performance.now();
      const b = makeTrainingBatch(samples.slice(r * batch, (r + 1) * batch), { inputSize: S, rng: r });
      await b.images.data();
      times.push(performance.now() - start);
      tf.dispose([b.images, b.targets]);
    }
    console.log(`augmentation (crop, colour, occlusion) of a batch of ${batch} on wasm: ${times.sort((a, b) => a - b)[1].toFixed(0)} ms`);
  }

  const rows: Row[] = [];
  for (const backend of backends) {
    if (!(await useBackend(backend))) {
      if (backend !== 'tensorflow') rows.push({ backend, workers: '1', note: 'backend did not start' });
      continue;
    }
    const peak = peakGflops(backend === 'cpu');
    console.log(`${backend}: peak ${peak.gflops.toFixed(1)} GFLOP/s on one thread (${peak.what})`);
    for (const workers of workerCounts) {
      const n = Number.parseInt(workers, 10);
      if (backend === 'tensorflow' && (n > 1 || workers.endsWith('t'))) {
        rows.push({ backend, workers, note: 'n/a: tfjs-node uses every core itself' });
        continue;
      }
      const timed = backend === 'cpu' ? cpuSteps : steps;
      const skip = backend === 'cpu' ? 0 : warmup;
      let firstRead: { time: number; cpu: number } | undefined;
      const ends: { time: number; cpu: number }[] = [];
      const cpuSeconds = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      };
      const open = (dir: string): TrainingDatasetReader => {
        const reader = samples ? memoryDataset(samples, R) : openDataset(dir, { verify: 'size' });
        return {
          count: reader.count,
          manifest: reader.manifest,
          get: (i) => reader.get(i),
          iterate(options) {
            firstRead ??= { time: performance.now(), cpu: cpuSeconds() };
            return reader.iterate(options);
          },
        };
      };
      const name = `${backend}-w${workers}`;
      try {
        await train(
          {
            runDir: join(root, name),
            datasets: [{ dir: dataDir || 'memory' }],
            init,
            batchSize: batch,
            steps: skip + timed,
            checkpointEvery: 1_000_000,
            logEvery: 1_000_000,
            validateEvery: 0,
            backend: 'current',
            workers: n,
          },
          {
            log: () => {},
            handleSignals: false,
            workerThreads: workers.endsWith('t'),
            layout: samples ? layout : undefined,
            openDataset: open,
            onStep: () => ends.push({ time: performance.now(), cpu: cpuSeconds() }),
          },
        );
        const start = skip > 0 ? ends[skip - 1] : firstRead!;
        const end = ends[skip + timed - 1];
        const seconds = (end.time - start.time) / 1000;
        rows.push({
          backend,
          workers,
          samplesPerSec: (timed * batch) / seconds,
          cpuPerSample: (end.cpu - start.cpu) / (timed * batch),
          peak: peak.gflops,
        });
      } catch (error) {
        rows.push({ backend, workers, note: `failed: ${(error as Error).message.split('\n')[0]}` });
      } finally {
        rmSync(join(root, name), { recursive: true, force: true });
      }
      const row = rows.at(-1)!;
      console.log(`  ${name}: ${row.samplesPerSec ? `${row.samplesPerSec.toPrecision(3)} samples/s` : row.note}`);
    }
  }
  rmSync(root, { recursive: true, force: true });

  const baseline = rows.find((r) => r.backend === 'wasm' && r.workers === '1' && r.samplesPerSec)?.samplesPerSec;
  const table = [
    ['backend', 'workers', 'samples/s', 'ms/step', 'CPU s/sample', 'GFLOP/s', '% of workers×peak', `% of machine (${cores}×peak)`, '× baseline'],
    ...rows.map((r) => {
      if (!r.samplesPerSec) return [r.backend, r.workers, r.note ?? '', '', '', '', '', '', ''];
      const gflops = (r.samplesPerSec * flopsPerSample) / 1e9;
      return [
        r.backend,
        r.workers,
        r.samplesPerSec.toPrecision(3),
        ((1000 * batch) / r.samplesPerSec).toFixed(0),
        r.cpuPerSample!.toPrecision(3),
        gflops.toPrecision(3),
        `${((100 * gflops) / (Math.min(Number.parseInt(r.workers, 10), cores) * r.peak!)).toFixed(1)}%`,
        `${((100 * gflops) / (cores * r.peak!)).toFixed(1)}%`,
        baseline ? `×${(r.samplesPerSec / baseline).toFixed(2)}` : '',
      ];
    }),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  console.log('');
  const line = (row: string[]) => console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`);
  line(table[0]);
  line(widths.map((w) => '-'.repeat(w)));
  table.slice(1).forEach(line);
  if (!backends.includes('cpu')) console.log('\ncpu backend: not run by default (minutes per batch-16 step); --backends wasm,cpu to include it.');
  console.log(
    '\nbaseline: wasm, 1 worker (training on the calling thread); 1t: one worker thread; peak: best of matMul/conv2d on one thread of the same backend;\n' +
      'CPU s/sample: CPU time of all the process\'s threads per sample (what the workers add in total; on a busy machine it shows the cost that wall time hides).',
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

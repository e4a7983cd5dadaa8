/**
 * Benchmark of the wasm training kernels (a script; nothing runs on import):
 *
 *   npx tsx src/backend/bench-kernels.ts [--steps 3] [--cpu-steps 1] [--batch 8]
 *
 * Prints ms for a 64×64×64 3×3 conv (forward, input gradient with wasm's original kernel and
 * with ours, filter gradient) on wasm and cpu, and a full prnet-light training step (Adam, MSE)
 * on wasm and cpu, with ratios and training samples/second.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrnetNetwork } from '@prnet/core';
import { originalWasmKernel, registerWasmTrainingKernels } from './wasm-kernels.js';

/** Median ms of `reps` runs of `f` (after one warm-up); `f` returns what to dispose. */
function timeMs(f: () => tf.TensorInfo | tf.Tensor | undefined, reps: number): number {
  const once = (): number => {
    const start = performance.now();
    const out = f();
    if (out) {
      // Kernel outputs are TensorInfos owned by the backend; ops return Tensors.
      if (out instanceof tf.Tensor) {
        out.dataSync();
        out.dispose();
      } else {
        tf.backend().readSync(out.dataId);
        tf.backend().disposeData(out.dataId);
      }
    }
    return performance.now() - start;
  };
  once();
  const times = Array.from({ length: reps }, once).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function kernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>, original = false) {
  const config = original ? originalWasmKernel(name) : tf.getKernel(name, tf.getBackend());
  if (!config) return undefined;
  return () => config.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: tf.backend() }) as tf.TensorInfo;
}

async function convBench(backend: 'wasm' | 'cpu', reps: number): Promise<Record<string, number>> {
  await tf.setBackend(backend);
  const x = tf.randomNormal([1, 64, 64, 64], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 64, 64], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([1, 64, 64, 64], 0, 1, 'float32', 3) as tf.Tensor4D;
  const convAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const inputAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape };
  const filterAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape };
  const result: Record<string, number> = {};
  result.forward = timeMs(() => tf.conv2d(x, w, 1, 'same'), reps);
  if (backend === 'wasm') {
    const original = kernel('Conv2DBackpropInput', { dy, filter: w }, inputAttrs, true);
    if (original) result.backpropInputOriginal = timeMs(original, reps);
  }
  result.backpropInput = timeMs(kernel('Conv2DBackpropInput', { dy, filter: w }, inputAttrs)!, reps);
  result.backpropFilter = timeMs(kernel('Conv2DBackpropFilter', { x, dy }, filterAttrs)!, reps);
  tf.dispose([x, w, dy]);
  return result;
}

/** Median ms of one Adam step of the default prnet-light (128²) at `batch`. */
async function stepBench(backend: 'wasm' | 'cpu', batch: number, steps: number): Promise<number> {
  await tf.setBackend(backend);
  const network = createPrnetNetwork('prnet-light');
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([batch, 128, 128, 3], 0, 1, 'float32', 4);
  const y = tf.randomUniform([batch, 128, 128, 3], 0, 1, 'float32', 5);
  const step = (): undefined => {
    const loss = optimizer.minimize(
      () => tf.losses.meanSquaredError(y, network.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    );
    loss?.dataSync();
    loss?.dispose();
    return undefined;
  };
  const ms = timeMs(step, steps);
  optimizer.dispose();
  network.dispose();
  tf.dispose([x, y]);
  return ms;
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function main(args: string[]): Promise<void> {
  const steps = flag(args, 'steps', 3);
  const cpuSteps = flag(args, 'cpu-steps', 1);
  const batch = flag(args, 'batch', 8);
  registerWasmTrainingKernels();
  const f = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms.toFixed(1)} ms`);
  const wasm = await convBench('wasm', 5);
  const cpu = await convBench('cpu', 1);
  console.log('conv 64×64×64, 3×3, stride 1, same, batch 1 (wasm | cpu)');
  console.log(`  forward               ${f(wasm.forward)} | ${f(cpu.forward)}`);
  console.log(`  backprop input, orig  ${f(wasm.backpropInputOriginal)}`);
  console.log(
    `  backprop input, ours  ${f(wasm.backpropInput)} | ${f(cpu.backpropInput)}  (×${(wasm.backpropInputOriginal / wasm.backpropInput).toFixed(1)} vs original)`,
  );
  console.log(`  backprop filter, ours ${f(wasm.backpropFilter)} | ${f(cpu.backpropFilter)}`);
  const wasmStep = await stepBench('wasm', batch, steps);
  console.log(`prnet-light training step, batch ${batch}: wasm ${f(wasmStep)} (${((batch * 1000) / wasmStep).toFixed(1)} samples/s)`);
  if (cpuSteps > 0) {
    const cpuStep = await stepBench('cpu', batch, cpuSteps);
    console.log(`  cpu ${f(cpuStep)} (${((batch * 1000) / cpuStep).toFixed(2)} samples/s); wasm is ×${(cpuStep / wasmStep).toFixed(1)} faster`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { PrnetNetwork } from '@prnet/core';
import { loadPrnetNetworkFromFile } from '@prnet/core/node';
import { initTrainingBackend, type TrainingBackendName } from '../backend/init-backend.js';
import { positionMapLoss } from './loss.js';

/**
 * The replica side of data-parallel training (see `parallel.ts`): a worker thread holds its own
 * tfjs (and wasm instance) and a replica of the network, and computes the loss gradient of the
 * sub-batches it is sent, with the weights the main thread broadcasts each step. It has no
 * optimiser: the main thread averages the gradients and applies Adam.
 */

/** What the main thread hands a gradient worker (`workerData`). */
export interface GradientWorkerData {
  /** model.json of the network (its weights are replaced by every step's broadcast). */
  readonly modelPath: string;
  /** tfjs backend to start (the main thread's). */
  readonly backend: TrainingBackendName;
  /** The loss weights (`layout.weightMask`, R × R). */
  readonly weightMask: Float32Array;
  readonly resolution: number;
  /** Shapes of `model.trainableWeights` then `model.nonTrainableWeights` (checked against the replica). */
  readonly trainableShapes: readonly (readonly number[])[];
  readonly statShapes: readonly (readonly number[])[];
}

/** One sub-batch: `n` crops `[n, S, S, 3]` and targets `[n, R, R, 3]`, flat. */
export interface SubBatch {
  /** Position k of the sub-batch in the batch (results are combined in this order). */
  readonly index: number;
  readonly n: number;
  readonly images: Float32Array;
  readonly targets: Float32Array;
}

/** Main → worker: one step. */
export interface GradientTask {
  readonly type: 'step';
  /** All weights, flat: the trainable ones then the non-trainable ones (BatchNorm statistics). */
  readonly weights: Float32Array;
  readonly subBatches: readonly SubBatch[];
}

/** The gradient of one sub-batch's loss (the mean over its samples). */
export interface SubBatchResult {
  readonly index: number;
  readonly loss: number;
  /** d loss / d trainable weights, flat, in `trainableWeights` order. */
  readonly gradients: Float32Array;
  /** The non-trainable weights after the forward pass (BatchNorm moving averages updated by this sub-batch). */
  readonly stats: Float32Array;
}

/** Worker → main. */
export type GradientWorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly results: SubBatchResult[] }
  | { readonly type: 'error'; readonly message: string; readonly name: string };

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Copies consecutive slices of `flat` into `variables` (shapes must match). */
export function assignFlat(variables: readonly tf.Variable[], flat: Float32Array, offset = 0): number {
  let o = offset;
  for (const v of variables) {
    const n = size(v.shape);
    tf.tidy(() => v.assign(tf.tensor(flat.subarray(o, o + n), v.shape, 'float32')));
    o += n;
  }
  return o;
}

/** The values of `tensors`, concatenated into one fresh Float32Array. */
export async function readFlat(tensors: readonly tf.Tensor[]): Promise<Float32Array> {
  const out = new Float32Array(tensors.reduce((s, t) => s + t.size, 0));
  let o = 0;
  for (const t of tensors) {
    out.set((await t.data()) as Float32Array, o);
    o += t.size;
  }
  return out;
}

/** A network replica computing sub-batch gradients; used by the worker thread (and usable in-process). */
export interface GradientReplica {
  compute(task: GradientTask): Promise<SubBatchResult[]>;
  dispose(): void;
}

/** Wraps `network` as a replica. `weightMask` is the `[R*R]` loss weight map. */
export function createGradientReplica(network: PrnetNetwork, weightMask: Float32Array, resolution: number): GradientReplica {
  const model = network.model;
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const stats = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const mask = tf.tensor4d(weightMask, [1, resolution, resolution, 1], 'float32');
  const S = network.metadata.inputSize;
  const R = network.metadata.uvResolution;
  const zeros: Record<string, tf.Tensor> = {};
  return {
    async compute(task) {
      const statsOffset = assignFlat(trainable, task.weights);
      const results: SubBatchResult[] = [];
      for (const sub of task.subBatches) {
        // Every sub-batch starts from the broadcast statistics (a previous one updated them).
        assignFlat(stats, task.weights, statsOffset);
        const x = tf.tensor4d(sub.images, [sub.n, S, S, 3]);
        const y = tf.tensor4d(sub.targets, [sub.n, R, R, 3]);
        try {
          const { value, grads } = tf.variableGrads(
            () => positionMapLoss(model.apply(x, { training: true }) as tf.Tensor4D, y, mask),
            trainable,
          );
          try {
            const loss = (await value.data())[0];
            // A weight the loss does not depend on has no gradient: zeros.
            const gradients = await readFlat(trainable.map((v) => grads[v.name] ?? (zeros[v.name] ??= tf.zerosLike(v))));
            results.push({ index: sub.index, loss, gradients, stats: await readFlat(stats) });
          } finally {
            value.dispose();
            tf.dispose(Object.values(grads));
          }
        } finally {
          x.dispose();
          y.dispose();
        }
      }
      return results;
    },
    dispose() {
      mask.dispose();
      tf.dispose(Object.values(zeros));
    },
  };
}

function sameShapes(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  return a.length === b.length && a.every((s, i) => s.length === b[i].length && s.every((d, j) => d === b[i][j]));
}

/**
 * The body of a gradient worker thread: starts the backend, loads the replica, posts 'ready',
 * then answers every 'step' with its sub-batches' results (buffers transferred). Errors are
 * posted back as 'error' messages. Called by the worker entry only.
 */
export function runGradientWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('runGradientWorker must run inside a worker thread');
  const data = workerData as GradientWorkerData;
  const fail = (error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: 'error', message: e.message, name: e.name } satisfies GradientWorkerMessage);
  };
  let queue = Promise.resolve();
  const ready = (async () => {
    await initTrainingBackend(data.backend, { log: null });
    const network = await loadPrnetNetworkFromFile(data.modelPath, { compile: false });
    const model = network.model;
    const trainableShapes = model.trainableWeights.map((w) => w.shape as number[]);
    const statShapes = model.nonTrainableWeights.map((w) => w.shape as number[]);
    if (!sameShapes(trainableShapes, data.trainableShapes) || !sameShapes(statShapes, data.statShapes)) {
      throw new Error(`the worker's replica of ${data.modelPath} has other weight shapes than the main thread's network`);
    }
    return createGradientReplica(network, data.weightMask, data.resolution);
  })();
  ready.then(() => port.postMessage({ type: 'ready' } satisfies GradientWorkerMessage), fail);
  port.on('message', (task: GradientTask | { type: 'exit' }) => {
    if (task.type === 'exit') {
      port.close();
      return;
    }
    queue = queue.then(async () => {
      try {
        const replica = await ready;
        const results = await replica.compute(task);
        const transfer = results.flatMap((r) => [r.gradients.buffer as ArrayBuffer, r.stats.buffer as ArrayBuffer]);
        port.postMessage({ type: 'result', results } satisfies GradientWorkerMessage, transfer);
      } catch (error) {
        fail(error);
      }
    });
  });
}

import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GradientTask, GradientWorkerData, GradientWorkerMessage, SubBatch, SubBatchResult } from './gradient-worker.js';
import { TrainingError } from './training-error.js';
import { startModuleWorker } from '../worker-thread.js';

/**
 * Data-parallel training on CPU threads. Each batch is split into K sub-batches (contiguous, in
 * sample order, sizes as equal as possible); each sub-batch is normalised (BatchNorm batch
 * statistics) and differentiated on its own. W worker threads hold replicas of the network;
 * sub-batch k goes to worker k mod W. The main thread keeps the network and the optimiser: it
 * broadcasts the weights, combines the sub-batch results in the order k = 0…K−1 (gradients,
 * loss and BatchNorm moving statistics weighted by sub-batch size) and applies Adam. So the
 * result depends on K, never on W: a run with K = 2 is the same on 1 or 2 workers.
 */

/** The number of CPU cores (`--workers auto`). */
export function cpuCount(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/** Sizes of the K sub-batches of a batch of B (the first B mod K are one larger). */
export function subBatchSizes(batchSize: number, subBatches: number): number[] {
  const base = Math.floor(batchSize / subBatches);
  const extra = batchSize % subBatches;
  return Array.from({ length: subBatches }, (_, k) => base + (k < extra ? 1 : 0));
}

/**
 * Splits a batch's flat crops `[B, S, S, 3]` and targets `[B, R, R, 3]` into sub-batches of
 * `sizes` (copies, so each can be transferred).
 */
export function splitBatch(images: Float32Array, targets: Float32Array, sizes: readonly number[]): SubBatch[] {
  const B = sizes.reduce((a, b) => a + b, 0);
  const imageStride = images.length / B;
  const targetStride = targets.length / B;
  let start = 0;
  return sizes.map((n, index) => {
    const sub: SubBatch = {
      index,
      n,
      images: images.slice(start * imageStride, (start + n) * imageStride),
      targets: targets.slice(start * targetStride, (start + n) * targetStride),
    };
    start += n;
    return sub;
  });
}

/** The combined result of a step's sub-batches. */
export interface CombinedResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Gradient of the batch's mean loss (flat, trainable weights). */
  gradients: Float32Array;
  /** BatchNorm moving statistics after the step (flat, non-trainable weights). */
  stats: Float32Array;
}

/**
 * Σ_k (n_k / B) · x_k over the sub-batch results, summed in the order k = 0…K−1 (so the result is
 * the same however the sub-batches were spread over workers). With one sub-batch it is that
 * sub-batch's result, bit for bit.
 */
export function combineResults(results: readonly SubBatchResult[], sizes: readonly number[]): CombinedResult {
  const ordered = [...results].sort((a, b) => a.index - b.index);
  if (ordered.length !== sizes.length || ordered.some((r, k) => r.index !== k)) {
    throw new TrainingError('INVALID_CONFIG', `expected ${sizes.length} sub-batch results, got indices ${ordered.map((r) => r.index).join(',')}`);
  }
  if (ordered.length === 1) return { loss: ordered[0].loss, gradients: ordered[0].gradients, stats: ordered[0].stats };
  const B = sizes.reduce((a, b) => a + b, 0);
  const gradients = new Float32Array(ordered[0].gradients.length);
  const stats = new Float32Array(ordered[0].stats.length);
  let loss = 0;
  ordered.forEach((r, k) => {
    const w = sizes[k] / B;
    loss += w * r.loss;
    const g = r.gradients;
    for (let i = 0; i < g.length; i++) gradients[i] += w * g[i];
    const s = r.stats;
    for (let i = 0; i < s.length; i++) stats[i] += w * s[i];
  });
  return { loss, gradients, stats };
}

/** Worker threads holding network replicas (see the module comment). */
export interface GradientPool {
  readonly size: number;
  /** Runs one step: every worker gets `weights` and its sub-batches; resolves with all results. */
  step(weights: Float32Array, subBatches: readonly SubBatch[]): Promise<SubBatchResult[]>;
  /** Stops the workers. */
  close(): Promise<void>;
}

/**
 * Starts a gradient worker thread. Finds, next to this module: the bundled `train-worker.js`
 * (tsup entry of `train-worker-entry.ts`) or a compiled `train-worker-entry.js`; when running
 * from TypeScript sources (vitest, tsx) it loads `gradient-worker.ts` through tsx's loader.
 */
export function startGradientWorker(workerData: GradientWorkerData): Worker {
  return startModuleWorker(
    {
      here: import.meta.url,
      builtEntries: ['train-worker.js', 'train-worker.mjs', 'train-worker-entry.js'],
      sourceModule: './gradient-worker.ts',
      sourceExport: 'runGradientWorker',
      error: (what, cause) =>
        what === 'no-tsx'
          ? new TrainingError('INVALID_CONFIG', 'training workers from TypeScript sources need tsx; use --workers 1', { cause })
          : new TrainingError('INVALID_CONFIG', `no training worker script (train-worker.js) next to ${fileURLToPath(import.meta.url)}; use --workers 1`),
    },
    workerData,
  );
}

/** Starts `n` gradient workers and waits until each has loaded its replica. */
export async function startGradientPool(n: number, workerData: GradientWorkerData): Promise<GradientPool> {
  const workers: Worker[] = [];
  // The handler of each worker's next message (a step in flight, or the start).
  const pending: ({ resolve: (results: SubBatchResult[]) => void; reject: (error: Error) => void } | undefined)[] = [];
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending) p?.reject(error);
    pending.fill(undefined);
  };
  let closing = false;
  const started: Promise<SubBatchResult[]>[] = [];
  for (let i = 0; i < n; i++) {
    const worker = startGradientWorker(workerData);
    workers.push(worker);
    started.push(new Promise((resolve, reject) => (pending[i] = { resolve, reject })));
    worker.on('message', (message: GradientWorkerMessage) => {
      const p = pending[i];
      pending[i] = undefined;
      if (message.type === 'error') {
        const error = new Error(message.message);
        error.name = message.name;
        failAll(error);
      } else {
        p?.resolve(message.type === 'result' ? message.results : []);
      }
    });
    worker.on('error', (error) => failAll(error instanceof Error ? error : new Error(String(error))));
    worker.on('exit', (code) => {
      if (!closing) failAll(new Error(`training worker ${i} exited (code ${code})`));
    });
  }
  const close = async () => {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };
  try {
    await Promise.all(started);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    size: n,
    async step(weights, subBatches) {
      if (failure) throw failure;
      const runs = workers.map((worker, i) => {
        const mine = subBatches.filter((s) => s.index % n === i);
        if (mine.length === 0) return Promise.resolve([] as SubBatchResult[]);
        return new Promise<SubBatchResult[]>((resolve, reject) => {
          pending[i] = { resolve, reject };
          const task: GradientTask = { type: 'step', weights, subBatches: mine };
          worker.postMessage(task, mine.flatMap((s) => [s.images.buffer as ArrayBuffer, s.targets.buffer as ArrayBuffer]));
        });
      });
      return (await Promise.all(runs)).flat();
    },
    close,
  };
}

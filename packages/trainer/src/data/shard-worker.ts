import { parentPort, workerData } from 'node:worker_threads';
import { loadIctModel } from '../ict/ict-model.js';
import { createSampleGenerator } from './sample.js';
import { encodeSample, type ImageFormat } from './sample-codec.js';
import type { SyntheticFaceOptions } from './synthetic-face.js';

/** What the main thread hands a generation worker (`workerData`). */
export interface ShardWorkerData {
  /** ICT model folder (undefined: the default shared data). */
  readonly ictDir?: string;
  readonly seed: number;
  readonly imageSize: number;
  readonly uvResolution: number;
  readonly imageFormat: ImageFormat;
  readonly face: SyntheticFaceOptions;
}

/** Main → worker: render samples [start, start + count) of shard `shard`. */
export interface ShardTask {
  readonly type: 'shard';
  readonly shard: number;
  readonly start: number;
  readonly count: number;
}

/** Worker → main. `record` carries one encoded sample (transferred). */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'record'; readonly shard: number; readonly index: number; readonly bytes: Uint8Array }
  | { readonly type: 'shard-done'; readonly shard: number };

/**
 * The body of a dataset-generation worker thread: loads the ICT model, then renders the shards it
 * is sent, posting each encoded record as soon as it is ready. Called by the worker entry only.
 */
export function runShardWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('runShardWorker must run inside a worker thread');
  const data = workerData as ShardWorkerData;
  const model = loadIctModel(data.ictDir);
  const generator = createSampleGenerator(model, { imageSize: data.imageSize, uvResolution: data.uvResolution, face: data.face });
  port.on('message', (task: ShardTask | { type: 'exit' }) => {
    if (task.type === 'exit') {
      port.close();
      return;
    }
    for (let i = task.start; i < task.start + task.count; i++) {
      const bytes = encodeSample(generator.generate(data.seed, i), generator.mask, data.imageFormat);
      port.postMessage({ type: 'record', shard: task.shard, index: i, bytes } satisfies WorkerMessage, [bytes.buffer as ArrayBuffer]);
    }
    port.postMessage({ type: 'shard-done', shard: task.shard } satisfies WorkerMessage);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
}

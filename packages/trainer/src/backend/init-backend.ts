import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '@prnet/core';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

/** tfjs backends training can run on, fastest first. */
export type TrainingBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link initTrainingBackend}. */
export interface InitTrainingBackendOptions {
  /** Where the one-line report goes. Default `console.log`; `null` for silence. */
  log?: ((line: string) => void) | null;
}

interface Candidate {
  name: TrainingBackendName;
  /** The tfjs backend name it registers. */
  backend: string;
  module: string;
}

const CANDIDATES: readonly Candidate[] = [
  // tfjs-node-gpu registers its backend under the name 'tensorflow' too.
  { name: 'tensorflow-gpu', backend: 'tensorflow', module: '@tensorflow/tfjs-node-gpu' },
  { name: 'tensorflow', backend: 'tensorflow', module: '@tensorflow/tfjs-node' },
  { name: 'wasm', backend: 'wasm', module: '@tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', backend: 'cpu', module: '@tensorflow/tfjs-backend-cpu' },
];

let chosen: Promise<TrainingBackendName> | undefined;

/**
 * Picks and starts the fastest tfjs backend for training in Node: tfjs-node-gpu (CUDA), then
 * tfjs-node (native TensorFlow), then wasm (XNNPACK, with {@link registerWasmTrainingKernels}
 * so conv nets can be trained and their gradients are fast), then the pure-JS cpu backend.
 * `preferred` is tried first. Logs one line naming the backend that runs and why the faster ones
 * were skipped. Returns the name used. Idempotent: later calls return the first call's result
 * (whatever `preferred` they pass). Throws `BackendUnavailableError` when none starts.
 *
 * Modules are loaded with `import()` so ESM callers register into the tfjs-core instance they use.
 */
export function initTrainingBackend(
  preferred?: TrainingBackendName,
  options: InitTrainingBackendOptions = {},
): Promise<TrainingBackendName> {
  chosen ??= start(preferred, options.log === undefined ? (line) => console.log(line) : options.log).catch(
    (error: unknown) => {
      chosen = undefined;
      throw error;
    },
  );
  return chosen;
}

async function start(
  preferred: TrainingBackendName | undefined,
  log: ((line: string) => void) | null,
): Promise<TrainingBackendName> {
  const order = [...CANDIDATES];
  if (preferred) {
    const index = order.findIndex((c) => c.name === preferred);
    if (index < 0) throw new BackendUnavailableError(`unknown training backend ${JSON.stringify(preferred)}`);
    order.unshift(...order.splice(index, 1));
  }
  const skipped: string[] = [];
  for (const candidate of order) {
    try {
      // The GPU package is always imported: a 'tensorflow' backend may be tfjs-node's (CPU).
      if (candidate.name === 'tensorflow-gpu' || !tf.findBackendFactory(candidate.backend)) {
        await import(/* @vite-ignore */ candidate.module);
      }
      // After the import: importing the wasm package registers its own kernels, which would
      // replace ours (the slow Conv2DBackpropInput and Tile) if we registered first.
      if (candidate.name === 'wasm') registerWasmTrainingKernels();
      if (!tf.findBackendFactory(candidate.backend)) throw new Error(`${candidate.module} registered no '${candidate.backend}' backend`);
      if (!(await tf.setBackend(candidate.backend))) throw new Error('setBackend returned false');
      await tf.ready();
      const why = skipped.length > 0 ? ` (skipped: ${skipped.join('; ')})` : '';
      log?.(`prnet-train: training on tfjs backend '${candidate.name}'${why}`);
      return candidate.name;
    } catch (error) {
      skipped.push(`${candidate.name}: ${firstLine(error)}`);
    }
  }
  throw new BackendUnavailableError(`no tfjs backend could start for training: ${skipped.join('; ')}`);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 160);
}

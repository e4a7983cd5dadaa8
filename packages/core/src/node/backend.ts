import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors.js';

/** The tfjs backends the Node entry can use, fastest first. */
export type NodeBackendName = 'tensorflow' | 'wasm' | 'cpu';

const MODULES: Record<NodeBackendName, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/**
 * Picks and initialises the fastest available tfjs backend in Node: tfjs-node (native
 * TensorFlow) when installed, else the wasm backend (XNNPACK, SIMD), else the pure-JS cpu
 * backend. `preferred` tries that one first (env `PRNET_BACKEND` is the CLI's way to set it).
 * Returns the backend's name. Throws `BackendUnavailableError` when none can start.
 */
export async function initNodeBackend(preferred?: NodeBackendName): Promise<NodeBackendName> {
  const order: NodeBackendName[] = ['tensorflow', 'wasm', 'cpu'];
  if (preferred) order.unshift(preferred);
  const errors: string[] = [];
  for (const name of new Set(order)) {
    if (tf.getBackend() === name) return name;
    try {
      // import() (not require) so ESM callers register into the same tfjs-core instance they use.
      if (!tf.findBackend(name)) await import(MODULES[name]);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      errors.push(`${name}: setBackend returned false`);
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new BackendUnavailableError(
    `no tfjs backend could start (install @tensorflow/tfjs-backend-wasm or -cpu): ${errors.join('; ')}`,
  );
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { BackendUnavailableError } from '../errors.js';

/**
 * For tests: switches tfjs to the wasm backend (XNNPACK, fast) or, if it cannot start, the
 * cpu backend. Returns the backend's name. Importing this module registers both backends.
 */
export async function useTestBackend(): Promise<'wasm' | 'cpu'> {
  for (const name of ['wasm', 'cpu'] as const) {
    if (tf.getBackend() === name) return name;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new BackendUnavailableError('neither the wasm nor the cpu tfjs backend could start');
}

import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initTrainingBackend } from './init-backend.js';
import { originalWasmKernel, WASM_TRAINING_KERNELS } from './wasm-kernels.js';

describe('initTrainingBackend', () => {
  it('falls back to wasm with the training kernels when tfjs-node is missing, logs why, and is idempotent', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const name = await initTrainingBackend(undefined, { log });
    // tfjs-node(-gpu) cannot be installed in this repo's environment; when it is, it wins.
    const nodeAvailable = await import('@tensorflow/tfjs-node' as string).then(() => true, () => false);
    if (nodeAvailable) {
      expect(['tensorflow', 'tensorflow-gpu']).toContain(name);
      return;
    }
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    // Ours are the ones in force, not the wasm package's (imported during the call, after which
    // its own registrations must not have replaced ours).
    expect(originalWasmKernel('Conv2DBackpropInput')).toBeDefined();
    for (const name of WASM_TRAINING_KERNELS) {
      expect(tf.getKernel(name, 'wasm')?.kernelFunc).not.toBe(originalWasmKernel(name)?.kernelFunc);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("'wasm'");
    expect(lines[0]).toContain('tensorflow-gpu:');
    expect(lines[0]).toContain('tensorflow:');
    // Second call: same answer, no second log line, even with another preference.
    expect(await initTrainingBackend('cpu', { log })).toBe('wasm');
    expect(lines).toHaveLength(1);
  });
});

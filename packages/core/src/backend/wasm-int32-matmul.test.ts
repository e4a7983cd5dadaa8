import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmInt32BatchMatMul } from './wasm-int32-matmul.js';

describe('registerWasmInt32BatchMatMul', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('makes int32 matMul work on wasm with exact results, float32 unchanged', () => {
    const a = tf.tensor3d([1, -2, 3, 4, 5, -6, 7, 8, 9, 10, 11, 12], [2, 2, 3], 'int32');
    const b = tf.tensor3d([2, 0, 1, 3, -1, 4, 5, 6, 7, 8, -9, 1], [2, 3, 2], 'int32');
    expect(() => tf.matMul(a, b).dispose()).toThrow(/non-float32/);
    expect(registerWasmInt32BatchMatMul()).toBe(true);
    expect(registerWasmInt32BatchMatMul()).toBe(true); // idempotent
    const before = tf.memory().numTensors;
    const c = tf.matMul(a, b);
    expect(c.dtype).toBe('int32');
    // By hand: batch 0 = [[1,-2,3],[4,5,-6]]·[[2,0],[1,3],[-1,4]]; batch 1 = [[7,8,9],[10,11,12]]·[[5,6],[7,8],[-9,1]].
    expect(Array.from(c.dataSync())).toEqual([-3, 6, 19, -9, 10, 115, 19, 160]);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const f = tf.matMul(tf.tensor2d([1.5, 2], [1, 2]), tf.tensor2d([2, 0.25], [2, 1]));
    expect(f.dtype).toBe('float32');
    expect(f.dataSync()[0]).toBeCloseTo(3.5, 6);
    tf.dispose([a, b, f]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { useTestBackend } from '../testing/backend.js';
import { encodeFloat16, float16Bits, toFloat16Artifacts, weightDataBytes } from './float16.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('float16Bits', () => {
  it.each<[number, number]>([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [65504, 0x7bff],
    [65519, 0x7bff], // rounds down to the largest finite half
    [65520, 0x7c00], // rounds up to infinity
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [3 * 2 ** -25, 0x0002], // subnormal tie → even
    [2 ** -26, 0x0000], // below half the smallest subnormal
    [1 + 2 ** -11, 0x3c00], // tie → even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // tie → even (up)
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
  ])('encodes %d as 0x%s', (value, bits) => {
    expect(float16Bits(value)).toBe(bits);
  });

  it('encodes NaN as a NaN', () => {
    const bits = float16Bits(Number.NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
  });

  it('round-trips through tfjs decodeWeights within half-precision rounding', () => {
    const values = new Float32Array(1000);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898) * 10 ** ((i % 9) - 5);
    const bits = encodeFloat16(values);
    const spec: tf.io.WeightsManifestEntry = { name: 'w', shape: [1000], dtype: 'float32', quantization: { dtype: 'float16' } };
    const decoded = tf.io.decodeWeights(bits.buffer as ArrayBuffer, [spec]);
    const back = decoded.w.dataSync();
    decoded.w.dispose();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // Normal halves: relative error ≤ 2^-11; subnormals: absolute error ≤ 2^-25.
      expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    }
  });
});

describe('toFloat16Artifacts', () => {
  const specs: tf.io.WeightsManifestEntry[] = [
    { name: 'a', shape: [2, 2], dtype: 'float32' },
    { name: 'b', shape: [3], dtype: 'int32' },
    { name: 'c', shape: [2], dtype: 'float32' },
  ];
  const data = new ArrayBuffer(4 * 4 + 3 * 4 + 2 * 4);
  new Float32Array(data, 0, 4).set([1, -2, 0.5, 3]);
  new Int32Array(data, 16, 3).set([7, -8, 9]);
  new Float32Array(data, 28, 2).set([0.25, 100]);

  it('halves float32 weights, keeps others, and decodes back', () => {
    const out = toFloat16Artifacts({ modelTopology: {}, weightSpecs: specs, weightData: data });
    const bytes = (out.weightData as ArrayBuffer).byteLength;
    expect(bytes).toBe(4 * 2 + 3 * 4 + 2 * 2);
    expect(weightDataBytes(out.weightSpecs!)).toBe(bytes);
    expect(out.weightSpecs!.map((s) => s.quantization?.dtype)).toEqual(['float16', undefined, 'float16']);
    const decoded = tf.io.decodeWeights(out.weightData!, out.weightSpecs!);
    expect(Array.from(decoded.a.dataSync())).toEqual([1, -2, 0.5, 3]);
    expect(Array.from(decoded.b.dataSync())).toEqual([7, -8, 9]);
    expect(Array.from(decoded.c.dataSync())).toEqual([0.25, 100]);
    tf.dispose(Object.values(decoded));
  });

  it('accepts weight data split into several buffers', () => {
    const parts = [data.slice(0, 10), data.slice(10)];
    const out = toFloat16Artifacts({ modelTopology: {}, weightSpecs: specs, weightData: parts });
    expect((out.weightData as ArrayBuffer).byteLength).toBe(24);
  });

  it('refuses values beyond the float16 range', () => {
    const big = new Float32Array([1e6]);
    expect(() =>
      toFloat16Artifacts({ modelTopology: {}, weightSpecs: [{ name: 'x', shape: [1], dtype: 'float32' }], weightData: big.buffer }),
    ).toThrow(InvalidArgumentError);
  });
});

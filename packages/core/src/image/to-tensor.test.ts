import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidImageError } from '../errors.js';
import type { RgbImage } from './rgb-image.js';
import { imageSize, imageToTensor, type PrnetImageInput } from './to-tensor.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

async function pixels(input: PrnetImageInput): Promise<{ shape: number[]; dtype: string; values: number[] }> {
  const t = imageToTensor(input);
  try {
    return { shape: t.shape, dtype: t.dtype, values: Array.from(await t.data()) };
  } finally {
    t.dispose();
  }
}

describe('imageToTensor', () => {
  it('converts 1, 3 and 4 channel tensors (int32 and float32) to float32 RGB', async () => {
    const gray = tf.tensor3d([10, 20], [1, 2, 1], 'int32');
    const rgb = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3], 'int32');
    const rgba = tf.tensor3d([1, 2, 3, 255, 4, 5, 6, 0], [1, 2, 4], 'float32');
    const gray2d = tf.tensor2d([7, 8.5], [1, 2], 'float32');
    expect(await pixels(gray)).toEqual({ shape: [1, 2, 3], dtype: 'float32', values: [10, 10, 10, 20, 20, 20] });
    expect(await pixels(rgb)).toEqual({ shape: [1, 2, 3], dtype: 'float32', values: [1, 2, 3, 4, 5, 6] });
    expect(await pixels(rgba)).toEqual({ shape: [1, 2, 3], dtype: 'float32', values: [1, 2, 3, 4, 5, 6] });
    expect(await pixels(gray2d)).toEqual({ shape: [1, 2, 3], dtype: 'float32', values: [7, 7, 7, 8.5, 8.5, 8.5] });

    // a float32 RGB tensor comes back as a copy: disposing the result leaves the caller's intact
    const floatRgb = tf.tensor3d([1, 2, 3], [1, 1, 3]);
    const out = imageToTensor(floatRgb);
    expect(out).not.toBe(floatRgb);
    out.dispose();
    expect(floatRgb.isDisposed).toBe(false);
    tf.dispose([gray, rgb, rgba, gray2d, floatRgb]);
  });

  it('converts RgbImage and ImageData-like objects', async () => {
    const rgbImage: RgbImage = { width: 2, height: 1, channels: 3, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    expect(await pixels(rgbImage)).toEqual({ shape: [1, 2, 3], dtype: 'float32', values: [1, 2, 3, 4, 5, 6] });
    const grayImage: RgbImage = { width: 1, height: 2, channels: 1, data: new Uint8Array([9, 200]) };
    expect((await pixels(grayImage)).values).toEqual([9, 9, 9, 200, 200, 200]);
    // ImageData has no `channels`: RGBA inferred from the data length
    const imageData = { width: 1, height: 1, data: new Uint8ClampedArray([250, 128, 3, 17]), colorSpace: 'srgb' } as ImageData;
    expect(await pixels(imageData)).toEqual({ shape: [1, 1, 3], dtype: 'float32', values: [250, 128, 3] });
    expect(imageSize(imageData)).toEqual({ width: 1, height: 1 });
    expect(imageSize(tf.zeros([5, 7, 3]) as tf.Tensor3D)).toEqual({ width: 7, height: 5 });
  });

  it('rejects bad inputs with InvalidImageError', () => {
    const bad: unknown[] = [
      tf.zeros([0, 4, 3]),
      tf.zeros([4, 4, 2]),
      tf.zeros([1, 4, 4, 3]),
      tf.zeros([2, 2, 3], 'bool'),
      { width: 2, height: 2, channels: 3, data: new Uint8Array(5) },
      { width: 0, height: 2, data: new Uint8Array(0) },
      'image.jpg',
      null,
      { width: 2, height: 2 },
    ];
    for (const input of bad) {
      expect(() => imageToTensor(input as PrnetImageInput)).toThrow(InvalidImageError);
      if (input instanceof tf.Tensor) input.dispose();
    }
    const disposed = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    disposed.dispose();
    expect(() => imageToTensor(disposed)).toThrow(/disposed/);
  });

  it('does not leak tensors', () => {
    const inputs: PrnetImageInput[] = [
      tf.ones([8, 6, 1], 'int32') as tf.Tensor3D,
      tf.ones([8, 6, 3]) as tf.Tensor3D,
      tf.ones([8, 6, 4], 'int32') as tf.Tensor3D,
      tf.ones([8, 6]) as tf.Tensor2D,
      { width: 6, height: 8, channels: 4, data: new Uint8Array(6 * 8 * 4) },
    ];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      for (const input of inputs) imageToTensor(input).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const input of inputs) if (input instanceof tf.Tensor) input.dispose();
  });
});

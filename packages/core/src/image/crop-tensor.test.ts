import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidImageError } from '../errors.js';
import { cropFromCentre, imageToCropMatrix, type CropTransform } from '../geometry/crop.js';
import { cropToTensor, type CropSampler } from './crop-tensor.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const W = 200;
const H = 150;

/** An [H, W, 3] image (0..255) with a Gaussian blob of σ pixels centred on continuous point (px, py). */
function blobImage(px: number, py: number, sigma: number): tf.Tensor3D {
  const data = new Float32Array(W * H * 3);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const dx = c + 0.5 - px;
      const dy = r + 0.5 - py;
      const v = 255 * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      data.set([v, v * 0.5, 0], (r * W + c) * 3);
    }
  }
  return tf.tensor3d(data, [H, W, 3]);
}

/** Intensity-weighted centroid (continuous crop coordinates) of channel 0 of crop n. */
async function centroid(batch: tf.Tensor4D, n: number): Promise<[number, number]> {
  const s = batch.shape[1];
  const values = await batch.data();
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let j = 0; j < s; j++) {
    for (let i = 0; i < s; i++) {
      const v = values[((n * s + j) * s + i) * 3];
      sum += v;
      sx += v * (i + 0.5);
      sy += v * (j + 0.5);
    }
  }
  return [sx / sum, sy / sum];
}

function mapPoint(t: CropTransform, x: number, y: number): [number, number] {
  const [a, b, c, d, e, f] = imageToCropMatrix(t);
  return [a * x + b * y + c, d * x + e * y + f];
}

describe.each<CropSampler>(['transform', 'gather'])('cropToTensor (%s sampler)', (sampler) => {
  it('puts an image feature at imageToCropMatrix·p within 0.05 px, with and without rotation', async () => {
    const p: [number, number] = [83.3, 71.8];
    const image = blobImage(p[0], p[1], 5);
    // crops: plain downscale, upscale, rotated by 0.6 rad and by -2.5 rad, off-centre
    const crops = [
      cropFromCentre(90, 70, 160, 64),
      cropFromCentre(85, 75, 40, 64),
      cropFromCentre(95, 65, 120, 64, 0.6),
      cropFromCentre(78, 80, 90, 64, -2.5),
    ];
    const batch = cropToTensor(image, crops, { sampler });
    expect(batch.shape).toEqual([4, 64, 64, 3]);
    for (let n = 0; n < crops.length; n++) {
      const expected = mapPoint(crops[n], p[0], p[1]);
      const got = await centroid(batch, n);
      expect(Math.abs(got[0] - expected[0])).toBeLessThan(0.05);
      expect(Math.abs(got[1] - expected[1])).toBeLessThan(0.05);
    }
    // the peak value is preserved: blob channel 0 peaks at 255 → ~1, channel 1 at ~0.5
    const max = (await tf.max(batch, [0, 1, 2]).data()) as Float32Array;
    expect(max[0]).toBeGreaterThan(0.97);
    expect(max[0]).toBeLessThanOrEqual(1.0001);
    expect(max[1]).toBeCloseTo(max[0] / 2, 3);
    tf.dispose([image, batch]);
  });

  it('reads 1 inside a white image and 0 outside it', async () => {
    const image = tf.fill([H, W, 3], 255) as tf.Tensor3D;
    // crop centred on the right edge: left half inside, right half outside
    const crop = cropFromCentre(W, H / 2, 100, 50);
    const batch = cropToTensor(image, [crop], { sampler });
    const v = await batch.data();
    const at = (i: number, j: number): number => v[(j * 50 + i) * 3];
    expect(at(10, 25)).toBeCloseTo(1, 5);
    expect(at(40, 25)).toBe(0);
    expect(at(24, 25)).toBeGreaterThan(0.99); // centre of column 24 maps to x = W − 1: inside
    tf.dispose([image, batch]);
  });
});

describe('cropToTensor', () => {
  it('gives the same pixels with both samplers', async () => {
    const image = tf.randomUniform([H, W, 3], 0, 255, 'float32', 7) as tf.Tensor3D;
    const crops = [cropFromCentre(100, 70, 130, 48, 0.3), cropFromCentre(20, 20, 80, 48, -1)];
    const a = cropToTensor(image, crops, { sampler: 'transform' });
    const b = cropToTensor(image, crops, { sampler: 'gather' });
    const diff = (await tf.max(tf.abs(tf.sub(a, b))).data())[0];
    expect(diff).toBeLessThan(1e-4);
    tf.dispose([image, a, b]);
  });

  it('accepts int32 images and rejects bad arguments', () => {
    const image = tf.zeros([10, 10, 3], 'int32') as tf.Tensor3D;
    const out = cropToTensor(image, [cropFromCentre(5, 5, 10, 8)]);
    expect(out.dtype).toBe('float32');
    out.dispose();
    expect(() => cropToTensor(image, [])).toThrow(InvalidArgumentError);
    expect(() => cropToTensor(image, [cropFromCentre(5, 5, 10, 8), cropFromCentre(5, 5, 10, 16)])).toThrow(
      InvalidArgumentError,
    );
    const gray = tf.zeros([10, 10, 1]) as tf.Tensor3D;
    expect(() => cropToTensor(gray, [cropFromCentre(5, 5, 10, 8)])).toThrow(InvalidImageError);
    tf.dispose([image, gray]);
  });

  it('does not leak tensors', () => {
    const image = tf.ones([40, 30, 3]) as tf.Tensor3D;
    const crops = [cropFromCentre(15, 20, 30, 16, 0.2), cropFromCentre(10, 10, 20, 16)];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      cropToTensor(image, crops, { sampler: 'transform' }).dispose();
      cropToTensor(image, crops.slice(0, 1), { sampler: 'gather' }).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  });
});

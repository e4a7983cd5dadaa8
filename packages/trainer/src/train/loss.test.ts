import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseLandmarkTargets, landmarkReprojectionLoss, positionMapLoss, weightMaskTensor } from './loss.js';
import { tinyLayout } from './test-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** [1, 2, 2, 3] map from 4 pixels' xyz. */
function map2(pixels: number[][]): tf.Tensor4D {
  return tf.tensor4d(pixels.flat(), [1, 2, 2, 3]);
}

describe('positionMapLoss', () => {
  it('is the weight-normalised MSE (hand numbers)', () => {
    const weights = tf.tensor4d([16, 4, 3, 0], [1, 2, 2, 1]);
    const pred = map2([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
    // squared errors per pixel: 0.01, 0.01, 0.04, 0.75 (weight 0)
    const target = map2([[0.5, 0.5, 0.6], [0.4, 0.5, 0.5], [0.5, 0.7, 0.5], [0, 0, 0]]);
    const before = tf.memory().numTensors;
    const loss = positionMapLoss(pred, target, weights);
    // (16·0.01 + 4·0.01 + 3·0.04) / (3 · 23) = 0.32 / 69
    expect(loss.dataSync()[0]).toBeCloseTo(0.32 / 69, 7);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([weights, pred, target]);
  });

  it('gives e² for a uniform error e, and sample weights drop samples', () => {
    const layout = tinyLayout();
    const R = layout.resolution;
    const weights = weightMaskTensor(layout);
    const target = tf.fill([2, R, R, 3], 0.4) as tf.Tensor4D;
    // sample 0 off by 0.05 everywhere; sample 1 off by 0.5
    const pred = tf.concat([tf.fill([1, R, R, 3], 0.45), tf.fill([1, R, R, 3], 0.9)]) as tf.Tensor4D;
    const sampleWeights = tf.tensor1d([1, 0]);
    const both = positionMapLoss(pred, target, weights);
    const first = positionMapLoss(pred, target, weights, sampleWeights);
    const none = positionMapLoss(pred, target, weights, tf.tensor1d([0, 0]));
    expect(first.dataSync()[0]).toBeCloseTo(0.0025, 7);
    expect(both.dataSync()[0]).toBeCloseTo((0.0025 + 0.25) / 2, 7);
    expect(none.dataSync()[0]).toBe(0);
    tf.dispose([weights, target, pred, sampleWeights, both, first, none]);
  });

  it('rejects mismatched shapes', () => {
    const a = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const b = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    const w = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => positionMapLoss(a, b, w)).toThrow(/must both be/);
    expect(() => positionMapLoss(b, b, w)).toThrow(/weights/);
    tf.dispose([a, b, w]);
  });
});

describe('landmarkReprojectionLoss', () => {
  const R = 16;
  const distinct = { resolution: R, landmarkPixels: Uint32Array.from({ length: 68 }, (_, k) => k * 3) };

  it('is the mean squared x/y error over visible points (hand numbers)', () => {
    const pred = tf.fill([1, R, R, 3], 0.5) as tf.Tensor4D;
    const points = new Float32Array(68 * 2).fill(0.5);
    const visibility = new Float32Array(68);
    for (let k = 0; k < 10; k++) {
      points[k * 2] = 0.6; // x off by 0.1
      visibility[k] = 1;
    }
    points[10 * 2 + 1] = 0.3; // y off by 0.2
    visibility[10] = 1;
    points[20 * 2] = 5; // invisible: ignored
    const before = tf.memory().numTensors;
    const loss = landmarkReprojectionLoss(pred, denseLandmarkTargets(points, visibility, distinct));
    // (10·0.01 + 0.04) / (2 · 11)
    expect(loss.dataSync()[0]).toBeCloseTo(0.14 / 22, 7);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const none = landmarkReprojectionLoss(pred, denseLandmarkTargets(points, new Float32Array(68), distinct));
    expect(none.dataSync()[0]).toBe(0);
    tf.dispose([pred, none]);
  });

  it('has the gradient of the sparse (gather) loss, also when landmarks share a pixel', () => {
    const shared = { resolution: R, landmarkPixels: Uint32Array.from({ length: 68 }, (_, k) => (k % 40) * 5) };
    const N = 2;
    const pred = tf.randomUniform([N, R, R, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const points = Float32Array.from({ length: N * 136 }, (_, i) => ((i * 37) % 100) / 100);
    const visibility = Float32Array.from({ length: N * 68 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const dense = denseLandmarkTargets(points, visibility, shared);
    const sparse = (p: tf.Tensor) =>
      tf.tidy(() => {
        const flat = tf.reshape(p, [N, R * R, 3]);
        const picked = tf.slice(tf.gather(flat, Array.from(shared.landmarkPixels), 1), [0, 0, 0], [N, 68, 2]);
        const err = tf.sum(tf.squaredDifference(picked, tf.tensor3d(points, [N, 68, 2])), 2);
        const v = tf.tensor2d(visibility, [N, 68]);
        return tf.div(tf.sum(tf.mul(err, v)), tf.mul(tf.sum(v), 2)) as tf.Scalar;
      });
    const gDense = tf.grad((p) => landmarkReprojectionLoss(p as tf.Tensor4D, dense))(pred);
    const gSparse = tf.grad(sparse)(pred);
    const diff = tf.max(tf.abs(tf.sub(gDense, gSparse))).dataSync()[0];
    expect(tf.max(tf.abs(gSparse)).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(diff).toBeLessThan(1e-6);
    tf.dispose([pred, gDense, gSparse]);
  });

  it('rejects inconsistent inputs', () => {
    expect(() => denseLandmarkTargets(new Float32Array(10), new Float32Array(68), distinct)).toThrow(/68×2/);
    const pred = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    const t = denseLandmarkTargets(new Float32Array(136), new Float32Array(68), distinct);
    expect(() => landmarkReprojectionLoss(pred, t)).toThrow(/targets for 1 samples at R=16/);
    pred.dispose();
  });
});

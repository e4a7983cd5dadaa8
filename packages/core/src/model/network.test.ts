import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_OFFSET, OUTPUT_SCALE } from '../conventions.js';
import { DisposedError, InvalidArgumentError } from '../errors.js';
import { useTestBackend } from '../testing/backend.js';
import { createPrnetLight } from './light.js';
import { defaultMetadata } from './metadata.js';
import { createPrnetNetwork, wrapPrnetNetwork, type PrnetNetwork } from './network.js';
import { randomizeBatchNorm } from './test-helpers.js';

describe('createPrnetNetwork (prnet-light)', () => {
  let network: PrnetNetwork;
  let compiled: PrnetNetwork;
  beforeAll(async () => {
    await useTestBackend();
    network = createPrnetNetwork('prnet-light', { description: 'test net' });
    randomizeBatchNorm(network.model);
    compiled = wrapPrnetNetwork(network.model, network.metadata, { compile: true });
  });
  afterAll(() => network.dispose());

  it('fills untrained metadata', () => {
    expect(network.metadata).toMatchObject({
      format: 'prnet-model',
      version: 1,
      architecture: 'prnet-light',
      inputSize: 128,
      uvResolution: 128,
      outputScale: OUTPUT_SCALE,
      outputOffset: OUTPUT_OFFSET,
      trained: false,
      description: 'test net',
    });
  });

  it('returns [N, R, R, 3] positions in crop pixels = S × (sigmoid × 1.5 − 0.25)', () => {
    const x = tf.randomUniform([2, 128, 128, 3], 0, 1, 'float32', 21) as tf.Tensor4D;
    const positions = network.predictPositionMaps(x);
    const sigmoid = network.model.predict(x) as tf.Tensor;
    expect(positions.shape).toEqual([2, 128, 128, 3]);
    const expected = tf.sub(tf.mul(sigmoid, 128 * 1.5), 128 * 0.25);
    const diff = tf.max(tf.abs(tf.sub(positions, expected))).dataSync()[0];
    const [min, max] = [tf.min(positions).dataSync()[0], tf.max(positions).dataSync()[0]];
    tf.dispose([x, positions, sigmoid, expected]);
    expect(diff).toBeLessThan(1e-4);
    expect(min).toBeGreaterThan(-0.25 * 128);
    expect(max).toBeLessThan(1.25 * 128);
  });

  it('gives the same positions through the compiled inference plan (< 1e-3 px)', () => {
    const x = tf.randomUniform([1, 128, 128, 3], 0, 1, 'float32', 22) as tf.Tensor4D;
    const a = network.predictPositionMaps(x);
    const b = compiled.predictPositionMaps(x);
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    tf.dispose([x, a, b]);
    expect(diff).toBeLessThan(1e-3);
  });

  it('leaks no tensors over 100 predictions (batch 1)', () => {
    const x = tf.randomUniform([1, 128, 128, 3], 0, 1, 'float32', 23) as tf.Tensor4D;
    compiled.predictPositionMaps(x).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) compiled.predictPositionMaps(x).dispose();
    for (let i = 0; i < 3; i++) network.predictPositionMaps(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('rejects wrong input shapes and dtypes', () => {
    const wrongSize = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    const wrongChannels = tf.zeros([1, 128, 128, 4]) as tf.Tensor4D;
    const ints = tf.zeros([1, 128, 128, 3], 'int32') as tf.Tensor4D;
    expect(() => network.predictPositionMaps(wrongSize)).toThrow(InvalidArgumentError);
    expect(() => network.predictPositionMaps(wrongChannels)).toThrow(InvalidArgumentError);
    expect(() => network.predictPositionMaps(ints)).toThrow(/float32/);
    tf.dispose([wrongSize, wrongChannels, ints]);
  });
});

describe('PrnetNetwork lifecycle', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it('frees its weights on dispose, is safe to dispose twice, and refuses to predict after', () => {
    const before = tf.memory().numTensors;
    const network = createPrnetNetwork('prnet-light', { inputSize: 64, compile: true });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    network.dispose();
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const x = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    expect(() => network.predictPositionMaps(x)).toThrow(DisposedError);
    x.dispose();
  });

  it('refuses metadata that disagrees with the model', () => {
    const model = createPrnetLight({ inputSize: 64 });
    expect(() => wrapPrnetNetwork(model, defaultMetadata('prnet-light', 128))).toThrow(/inputSize 128/);
    expect(() => wrapPrnetNetwork(model, defaultMetadata('prnet-light', 64, { uvResolution: 32 }))).toThrow(
      /uvResolution 32/,
    );
    model.dispose();
  });

  it('builds resfcn256 at its native size by default', () => {
    const network = createPrnetNetwork('resfcn256', { resfcn256: { baseChannels: 2 } });
    expect(network.metadata.inputSize).toBe(256);
    expect(network.model.inputs[0].shape).toEqual([null, 256, 256, 3]);
    network.dispose();
    expect(() => createPrnetNetwork('vgg' as never)).toThrow(InvalidArgumentError);
  });
});

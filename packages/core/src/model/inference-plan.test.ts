import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { useTestBackend } from '../testing/backend.js';
import { compileInferencePlan } from './inference-plan.js';
import { createPrnetLight } from './light.js';
import { createResfcn256 } from './resfcn256.js';
import { randomizeBatchNorm } from './test-helpers.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('compileInferencePlan', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it('matches model.predict on the light net with trained-looking BatchNorm', () => {
    const model = createPrnetLight({ inputSize: 64 });
    randomizeBatchNorm(model);
    const plan = compileInferencePlan(model);
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    try {
      const expected = model.predict(x) as tf.Tensor;
      const actual = plan.execute(x);
      expect(actual.shape).toEqual([2, 64, 64, 3]);
      expect(maxAbsDiff(expected, actual)).toBeLessThan(1e-5);
      // Every BatchNorm folded into its conv, every ReLU after a conv+BN fused: one op per conv,
      // Add, UpSampling2D, and ReLU after an Add.
      const count = (kind: string) => model.layers.filter((l) => l.getClassName() === kind).length;
      const relusAfterAdd = model.layers.filter(
        (l) => l.getClassName() === 'ReLU' && l.inboundNodes[0].inboundLayers[0].getClassName() === 'Add',
      ).length;
      expect(count('BatchNormalization')).toBeGreaterThan(30);
      // The UV template branch adds its pooling, dense, reshape and the final sigmoid.
      const templateOps = count('GlobalAveragePooling2D') + count('Dense') + count('Reshape') + count('Activation');
      expect(templateOps).toBe(4);
      expect(plan.opCount).toBe(
        count('Conv2D') + count('DepthwiseConv2D') + count('Add') + count('UpSampling2D') + relusAfterAdd + templateOps,
      );
      tf.dispose([expected, actual]);
    } finally {
      plan.dispose();
      model.dispose();
      x.dispose();
    }
  });

  it('matches model.predict on resfcn256 (transposed convs, BatchNorm after Add)', () => {
    const model = createResfcn256({ inputSize: 64, baseChannels: 4 });
    randomizeBatchNorm(model);
    const plan = compileInferencePlan(model);
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    try {
      const expected = model.predict(x) as tf.Tensor;
      const actual = plan.execute(x);
      expect(maxAbsDiff(expected, actual)).toBeLessThan(1e-5);
      tf.dispose([expected, actual]);
    } finally {
      plan.dispose();
      model.dispose();
      x.dispose();
    }
  });

  it('leaks no tensors, snapshots the weights, and leaves the model intact when disposed', () => {
    const model = createPrnetLight({ inputSize: 32, widths: [8, 16, 32], encoderBlocks: [0, 1, 1], decoderBlocks: [1, 1] });
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 13) as tf.Tensor4D;
    const plan = compileInferencePlan(model);
    const before = plan.execute(x);
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) plan.execute(x).dispose();
    plan.profile(x);
    expect(tf.memory().numTensors).toBe(n);

    // Changing the model afterwards does not change the plan.
    const layer = model.getLayer('position_map_residual');
    const [kernel, bias] = layer.getWeights();
    const shifted = tf.add(bias, 3);
    layer.setWeights([kernel, shifted]);
    const after = plan.execute(x);
    expect(maxAbsDiff(before, after)).toBe(0);

    plan.dispose();
    plan.dispose();
    expect(() => plan.execute(x)).toThrow(InvalidArgumentError);
    // The model's own variables survive the plan.
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 32, 32, 3]);
    tf.dispose([before, after, shifted, y, x]);
    model.dispose();
  });

  it('rejects layers it cannot compile', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const output = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const n = tf.memory().numTensors;
    expect(() => compileInferencePlan(model)).toThrow(/MaxPooling2D/);
    expect(tf.memory().numTensors).toBe(n);
    model.dispose();
  });
});

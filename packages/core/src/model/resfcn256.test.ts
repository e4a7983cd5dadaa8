import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { useTestBackend } from '../testing/backend.js';
import { compileInferencePlan } from './inference-plan.js';
import { createResfcn256 } from './resfcn256.js';
import type * as tfl from '@tensorflow/tfjs-layers';

function trainableCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
}

describe('createResfcn256', () => {
  let model: tfl.LayersModel;
  beforeAll(async () => {
    await useTestBackend();
    model = createResfcn256();
  });
  afterAll(() => model.dispose());

  it('has PRNet resfcn256 parameter count and layout', () => {
    expect(model.countParams()).toBe(13_365_499);
    expect(trainableCount(model)).toBe(13_353_615);
    expect(model.inputs[0].shape).toEqual([null, 256, 256, 3]);
    expect(model.outputs[0].shape).toEqual([null, 256, 256, 3]);
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === 'Add')).toHaveLength(10);
    expect(classes.filter((c) => c === 'Conv2DTranspose')).toHaveLength(17);
    // Shortcut convs exactly where the shape changes: the 5 stride-2 blocks.
    expect(model.layers.filter((l) => l.name.endsWith('_shortcut'))).toHaveLength(5);
    expect(model.getLayer('res10_relu').outputShape).toEqual([null, 8, 8, 512]);
    const out = model.getLayer('position_map');
    expect(out.getClassName()).toBe('Conv2DTranspose');
    expect(out.getConfig()).toMatchObject({ activation: 'sigmoid', useBias: true, kernelSize: [4, 4] });
  });

  it('maps a 256² crop to a 256² sigmoid position map (wasm, batch 1)', () => {
    const plan = compileInferencePlan(model);
    try {
      const out = tf.tidy(() => plan.execute(tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 3)));
      expect(out.shape).toEqual([1, 256, 256, 3]);
      const values = out.dataSync();
      out.dispose();
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min).toBeGreaterThan(0);
      expect(max).toBeLessThan(1);
      // (Random-initialised resfcn256 gives a nearly constant map: its 3-channel ReLU layers
      // before the output are mostly dead at init. Forward correctness: inference-plan.test.ts.)
    } finally {
      plan.dispose();
    }
  });

  it('scales to other input sizes and rejects ones that are not multiples of 32', () => {
    const small = createResfcn256({ inputSize: 64 });
    expect(small.outputs[0].shape).toEqual([null, 64, 64, 3]);
    expect(small.countParams()).toBe(13_365_499);
    small.dispose();
    expect(() => createResfcn256({ inputSize: 100 })).toThrow(InvalidArgumentError);
  });
});

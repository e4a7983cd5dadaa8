import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { useTestBackend } from '../testing/backend.js';
import { createPrnetLight, prnetLightLayerScopes } from './light.js';

const FAST_LAYERS = new Set([
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'BatchNormalization',
  'ReLU',
  'Add',
  'UpSampling2D',
  // the UV template branch: mean colour → dense per-pixel bias → reshape; final sigmoid
  'GlobalAveragePooling2D',
  'Dense',
  'Reshape',
  'Activation',
]);

describe('createPrnetLight', () => {
  let model: tfl.LayersModel;
  beforeAll(async () => {
    await useTestBackend();
    model = createPrnetLight();
  });
  afterAll(() => model.dispose());

  it('is a 128² → 128² network of 1–4 M parameters built from fast ops only', () => {
    // 1,669,683 in the U-Net + 196,608 in the UV template (3 × 128² × 3 kernel + 128² × 3 bias)
    expect(model.countParams()).toBe(1_866_291);
    expect(model.inputs[0].shape).toEqual([null, 128, 128, 3]);
    expect(model.outputs[0].shape).toEqual([null, 128, 128, 3]);
    for (const layer of model.layers) expect(FAST_LAYERS).toContain(layer.getClassName());
    const upsamplers = model.layers.filter((l) => l.getClassName() === 'UpSampling2D');
    expect(upsamplers).toHaveLength(5);
    // float32 file < 10 MB
    expect(model.countParams() * 4).toBeLessThan(10e6);
  });

  it('names each layer\'s place in the architecture, independent of widths and other levels\' blocks', () => {
    const scopes = prnetLightLayerScopes({ inputSize: 64 });
    const deeper = prnetLightLayerScopes({ inputSize: 64, widths: [16, 40, 96, 256, 576], encoderBlocks: [0, 1, 3, 3, 6] });
    const named = model.layers.filter((l) => /_\d+$/.test(l.name));
    expect(scopes.size).toBe(named.length);
    expect(scopes.get('conv_1')).toBe('stem/conv0');
    expect(new Set(scopes.values()).size).toBe(scopes.size);
    // Every place of the default network exists in the deeper one (under another layer name).
    for (const scope of scopes.values()) expect([...deeper.values()]).toContain(scope);
    expect([...deeper.values()].filter((v) => /^enc4\/res\d+\/bn4$/.test(v))).toHaveLength(6);
    expect([...scopes.values()].filter((v) => /^enc4\/res\d+\/bn4$/.test(v))).toHaveLength(4);
  });

  it('ends in a biased conv plus a UV template, through a sigmoid named position_map', () => {
    const out = model.getLayer('position_map');
    expect(out.getClassName()).toBe('Activation');
    expect(out.getConfig()).toMatchObject({ activation: 'sigmoid' });
    expect(model.outputLayers[0]).toBe(out);
    expect(model.getLayer('position_map_residual').getConfig()).toMatchObject({ activation: 'linear', useBias: true, filters: 3 });
    expect(model.getLayer('uv_template').getConfig()).toMatchObject({ units: 128 * 128 * 3, useBias: true });
  });

  it('outputs values in (0, 1) that follow the residual bias and the per-pixel template', () => {
    const x = tf.randomUniform([2, 128, 128, 3], 0, 1, 'float32', 5);
    const residual = model.getLayer('position_map_residual');
    const template = model.getLayer('uv_template');
    const before = [...residual.getWeights(), ...template.getWeights()].map((w) => w.clone());
    try {
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 128, 128, 3]);
      const min = tf.min(y).dataSync()[0];
      const max = tf.max(y).dataSync()[0];
      tf.dispose(y);
      expect(min).toBeGreaterThan(0);
      expect(max).toBeLessThan(1);
      // Zero kernels pin the output at sigmoid(residual bias + template bias) pixel by pixel
      // (wasm's sigmoid is good to ~1e-4).
      const [kernel] = residual.getWeights();
      const [templateKernel] = template.getWeights();
      const zero = tf.zerosLike(kernel);
      const zeroTemplate = tf.zerosLike(templateKernel);
      const b = tf.tensor1d([-2, 0, 2]);
      const pattern = new Float32Array(128 * 128 * 3);
      for (let i = 0; i < pattern.length; i++) pattern[i] = ((i * 7919) % 13) / 6 - 1;
      const t = tf.tensor1d(pattern);
      residual.setWeights([zero, b]);
      template.setWeights([zeroTemplate, t]);
      const pinned = model.predict(x) as tf.Tensor;
      const values = pinned.dataSync();
      tf.dispose([zero, zeroTemplate, b, t, pinned]);
      const offsets = [-2, 0, 2];
      let worst = 0;
      for (const n of [0, 1]) {
        for (let i = 0; i < pattern.length; i++) {
          const expected = 1 / (1 + Math.exp(-(pattern[i] + offsets[i % 3])));
          worst = Math.max(worst, Math.abs(values[n * pattern.length + i] - expected));
        }
      }
      expect(worst).toBeLessThan(2e-4);
    } finally {
      residual.setWeights(before.slice(0, 2));
      template.setWeights(before.slice(2));
      tf.dispose([x, ...before]);
    }
  });

  it('builds other sizes and rejects inconsistent options', () => {
    const small = createPrnetLight({ inputSize: 64, widths: [8, 16, 32], encoderBlocks: [0, 1, 1], decoderBlocks: [1, 1] });
    expect(small.outputs[0].shape).toEqual([null, 64, 64, 3]);
    small.dispose();
    expect(() => createPrnetLight({ inputSize: 100 })).toThrow(InvalidArgumentError);
    expect(() => createPrnetLight({ widths: [8, 16], encoderBlocks: [0, 1, 1] })).toThrow(InvalidArgumentError);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { useTestBackend } from '../testing/backend.js';
import { CoordinateChannels, coordinatePlanes, registerPrnetLayers } from './coordinate-channels.js';
import { compileInferencePlan } from './inference-plan.js';
import { createPrnetLight } from './light.js';
import { loadPrnetNetwork, savePrnetNetwork } from './load.js';
import { createPrnetNetwork, type PrnetNetwork } from './network.js';
import { memoryHandler, randomizeBatchNorm } from './test-helpers.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Sets the stem kernel's entries that read the coordinate channels (input channels 3 and 4). */
function setCoordinateKernel(model: tfl.LayersModel, fill: (i: number) => number): void {
  const stem = model.getLayer('conv_1');
  const [kernel] = stem.getWeights();
  const [kh, kw, cin, cout] = kernel.shape;
  const data = kernel.dataSync().slice();
  let i = 0;
  for (let p = 0; p < kh * kw; p++) for (let c = 3; c < cin; c++) for (let o = 0; o < cout; o++) data[(p * cin + c) * cout + o] = fill(i++);
  const next = tf.tensor4d(data, [kh, kw, cin, cout]);
  stem.setWeights([next]);
  next.dispose();
}

describe('coordinatePlanes', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it('gives x in channel 0 and y in channel 1 at pixel centres, symmetric about the middle', () => {
    const planes = coordinatePlanes(2, 4);
    expect(planes.shape).toEqual([1, 2, 4, 2]);
    const v = Array.from(planes.dataSync());
    planes.dispose();
    const x = v.filter((_, i) => i % 2 === 0);
    const y = v.filter((_, i) => i % 2 === 1);
    expect(x).toEqual([-0.75, -0.25, 0.25, 0.75, -0.75, -0.25, 0.25, 0.75]);
    expect(y).toEqual([-0.5, -0.5, -0.5, -0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it('refuses sides that are not positive integers', () => {
    expect(() => coordinatePlanes(0, 4)).toThrow(InvalidArgumentError);
    expect(() => coordinatePlanes(3, 2.5)).toThrow(InvalidArgumentError);
  });
});

describe('CoordinateChannels', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it('appends the planes to every image of a batch and leaves the input channels as they were', () => {
    const start = tf.memory().numTensors;
    const layer = new CoordinateChannels({ name: 'coords' });
    const x = tf.randomUniform([3, 4, 6, 3], 0, 1, 'float32', 3);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([3, 4, 6, 5]);
    expect(layer.computeOutputShape([null, 4, 6, 3])).toEqual([null, 4, 6, 5]);
    const planes = coordinatePlanes(4, 6);
    for (let n = 0; n < 3; n++) {
      const rgb = tf.slice(y, [n, 0, 0, 0], [1, 4, 6, 3]);
      const xy = tf.slice(y, [n, 0, 0, 3], [1, 4, 6, 2]);
      const original = tf.slice(x, [n, 0, 0, 0], [1, 4, 6, 3]);
      expect(maxAbsDiff(rgb, original)).toBe(0);
      expect(maxAbsDiff(xy, planes)).toBe(0);
      tf.dispose([rgb, xy, original]);
    }
    tf.dispose([x, y, planes]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('refuses an input that is not NHWC', () => {
    expect(() => new CoordinateChannels({}).computeOutputShape([null, 4, 3])).toThrow(InvalidArgumentError);
  });
});

describe('prnet-light with coordinateChannels', () => {
  let plain: tfl.LayersModel;
  let coords: tfl.LayersModel;
  let x: tf.Tensor4D;
  beforeAll(async () => {
    await useTestBackend();
    plain = createPrnetLight({ inputSize: 64 });
    coords = createPrnetLight({ inputSize: 64, coordinateChannels: true });
    randomizeBatchNorm(plain);
    x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  });
  afterAll(() => {
    plain.dispose();
    coords.dispose();
    x.dispose();
  });

  it('has the same layer names plus `coordinates`, and 2 × 9 × widths[0] more weights in the stem', () => {
    expect(coords.layers.map((l) => l.name).filter((n) => n !== 'coordinates')).toEqual(plain.layers.map((l) => l.name));
    expect(coords.getLayer('coordinates').getClassName()).toBe('CoordinateChannels');
    expect(coords.getLayer('conv_1').getWeights()[0].shape).toEqual([3, 3, 5, 16]);
    expect(coords.countParams() - plain.countParams()).toBe(2 * 9 * 16);
  });

  it('gives the plain network\'s output while the coordinate kernel is zero, and another one when it is not', () => {
    // The same weights in both, the RGB part of the stem kernel included.
    const plainWeights = plain.getWeights();
    const stem = plain.getLayer('conv_1').getWeights()[0];
    const widened = tf.tidy(() => tf.concat([stem, tf.zeros([3, 3, 2, 16])], 2));
    const weights = plainWeights.map((w) => (w === stem ? widened : w));
    coords.setWeights(weights);
    widened.dispose();
    const a = plain.predict(x) as tf.Tensor;
    const b = coords.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    setCoordinateKernel(coords, (i) => 0.2 * Math.sin(i + 1));
    const c = coords.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
    tf.dispose([a, b, c]);
  });

  it('tells where a feature lies: on a uniform image the stem features vary across the crop only with coordinates', () => {
    // A constant image: every interior stem pixel sees the same RGB window, so without the
    // coordinates the interior is flat; with them it varies linearly across the crop.
    const flat = tf.fill([1, 64, 64, 3], 0.5) as tf.Tensor4D;
    const stemOf = (model: tfl.LayersModel) => {
      const probe = tfl.model({ inputs: model.inputs, outputs: model.getLayer('conv_1').output as tfl.SymbolicTensor });
      return probe.predict(flat) as tf.Tensor;
    };
    setCoordinateKernel(coords, (i) => (i % 2 === 0 ? 0.1 : -0.05));
    const [withCoords, without] = [stemOf(coords), stemOf(plain)];
    const spread = (t: tf.Tensor) =>
      tf.tidy(() => {
        const inner = tf.slice(t, [0, 2, 2, 0], [1, 28, 28, -1]);
        return tf.max(tf.sub(tf.max(inner, [1, 2]), tf.min(inner, [1, 2]))).dataSync()[0];
      });
    expect(spread(without)).toBeLessThan(1e-5);
    expect(spread(withCoords)).toBeGreaterThan(0.05);
    tf.dispose([flat, withCoords, without]);
  });

  it('compiles into an inference plan that matches predict and leaks no tensors', () => {
    setCoordinateKernel(coords, (i) => 0.3 * Math.cos(i));
    randomizeBatchNorm(coords, 3);
    const plan = compileInferencePlan(coords);
    const start = tf.memory().numTensors;
    const expected = coords.predict(x) as tf.Tensor;
    const actual = plan.execute(x);
    expect(maxAbsDiff(expected, actual)).toBeLessThan(1e-5);
    const single = tf.slice(x, [1, 0, 0, 0], [1, 64, 64, 3]) as tf.Tensor4D;
    const one = plan.execute(single);
    const second = tf.slice(expected, [1, 0, 0, 0], [1, 64, 64, 3]);
    expect(maxAbsDiff(one, second)).toBeLessThan(1e-5);
    tf.dispose([expected, actual, single, one, second]);
    expect(tf.memory().numTensors).toBe(start);
    plan.dispose();
  });
});

describe('saving and loading a network with coordinate channels', () => {
  let network: PrnetNetwork;
  beforeAll(async () => {
    await useTestBackend();
    registerPrnetLayers();
    network = createPrnetNetwork('prnet-light', { inputSize: 64, light: { coordinateChannels: true }, description: 'coords' });
    setCoordinateKernel(network.model, (i) => 0.1 * ((i % 7) - 3));
  });
  afterAll(() => network.dispose());

  it('round-trips through loadPrnetNetwork, compiled and not', async () => {
    const saved = memoryHandler();
    await savePrnetNetwork(network, saved);
    expect(JSON.stringify(saved.artifacts!.modelTopology)).toContain('"class_name":"CoordinateChannels"');
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const expected = network.predictPositionMaps(x);
    for (const compile of [false, true]) {
      const loaded = await loadPrnetNetwork(saved, { compile });
      const actual = loaded.predictPositionMaps(x);
      expect(maxAbsDiff(actual, expected)).toBeLessThan(compile ? 1e-3 : 1e-7);
      actual.dispose();
      loaded.dispose();
    }
    tf.dispose([x, expected]);
  });
});

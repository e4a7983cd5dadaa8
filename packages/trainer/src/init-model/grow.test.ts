import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPrnetLight,
  createPrnetNetwork,
  defaultMetadata,
  InvalidArgumentError,
  wrapPrnetNetwork,
  type PrnetNetwork,
} from '@prnet/core';
import { loadPrnetNetworkFromFile } from '@prnet/core/node';
import { maxDifference } from '../train/test-fixtures.js';
import { growPrnetLight, lightArchitecture, main } from './grow.js';

const SIZE = 64;

/** A small prnet-light whose every weight, BatchNorm statistics included, is random. */
function randomSource(seed: number): PrnetNetwork {
  const network = createPrnetNetwork('prnet-light', { inputSize: SIZE, description: 'random source' });
  let s = seed;
  tf.tidy(() => {
    for (const layer of network.model.layers) {
      const weights = layer.getWeights();
      if (weights.length === 0) continue;
      const isBn = layer.getClassName() === 'BatchNormalization';
      layer.setWeights(
        weights.map((w, i) => {
          s += 1;
          // BN: gamma, beta, moving mean, moving variance (positive).
          if (isBn && i === 3) return tf.randomUniform(w.shape, 0.5, 1.5, 'float32', s);
          if (isBn && i === 0) return tf.randomUniform(w.shape, 0.5, 1.5, 'float32', s);
          return tf.randomNormal(w.shape, 0, isBn ? 0.3 : 0.2, 'float32', s);
        }),
      );
    }
  });
  return network;
}

function predict(network: PrnetNetwork, input: tf.Tensor4D): Float32Array {
  return tf.tidy(() => network.predictPositionMaps(input).dataSync() as Float32Array);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('growPrnetLight', () => {
  it('reads the widths and block counts of a prnet-light model', () => {
    const options = { inputSize: SIZE, widths: [8, 24, 40, 56, 72], encoderBlocks: [0, 1, 1, 2, 3], decoderBlocks: [1, 2, 1, 1] };
    const model = createPrnetLight(options);
    try {
      expect(lightArchitecture(model)).toEqual(options);
    } finally {
      model.dispose();
    }
    const defaults = createPrnetLight();
    try {
      expect(lightArchitecture(defaults)).toEqual({
        inputSize: 128,
        widths: [16, 32, 80, 224, 512],
        encoderBlocks: [0, 1, 2, 3, 4],
        decoderBlocks: [1, 1, 2, 2],
      });
    } finally {
      defaults.dispose();
    }
  });

  it('gives exactly the source outputs with more channels, and the new channels are live', () => {
    const source = randomSource(3);
    const input = tf.randomUniform([2, SIZE, SIZE, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const start = tf.memory().numTensors;
    const wide = growPrnetLight(source, { widths: [16, 48, 120, 320, 640] });
    try {
      expect(lightArchitecture(wide.model).widths).toEqual([16, 48, 120, 320, 640]);
      expect(wide.model.countParams()).toBeGreaterThan(source.model.countParams() * 1.5);
      const a = predict(source, input);
      expect(maxDifference(a, a.map(() => a[0]))).toBeGreaterThan(1); // the random source's output depends on the input
      expect(maxDifference(a, predict(wide, input))).toBeLessThan(1e-3); // crop pixels (float32 sums in another order)
      expect(wide.metadata.description).toContain('grown from widths [16, 32, 80, 224, 512]');
      // A 1×1 conv of a widened level: old → old copied, new input → old output zero, new → new random.
      const layer = wide.model.layers.find(
        (l) => l.getClassName() === 'Conv2D' && l.getWeights()[0].shape[2] === 320 && l.getWeights()[0].shape[3] === 320,
      );
      expect(layer).toBeDefined();
      const kernel = layer!.getWeights()[0].arraySync() as number[][][][];
      const old = source.model.getLayer(layer!.name).getWeights()[0].arraySync() as number[][][][];
      expect(kernel[0][0][5][7]).toBe(old[0][0][5][7]);
      expect(kernel[0][0][300][7]).toBe(0);
      let newNew = 0;
      for (let i = 224; i < 320; i++) for (let o = 224; o < 320; o++) newNew += Math.abs(kernel[0][0][i][o]);
      expect(newNew).toBeGreaterThan(0);
    } finally {
      wide.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    input.dispose();
    source.dispose();
  });

  it('adds encoder blocks that start as the identity, with or without widening, and they are live', () => {
    const source = randomSource(13);
    const input = tf.randomUniform([2, SIZE, SIZE, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const start = tf.memory().numTensors;
    const deep = growPrnetLight(source, { encoderBlocks: [0, 1, 3, 4, 6] });
    const both = growPrnetLight(source, { widths: [16, 40, 96, 256, 576], encoderBlocks: [1, 2, 2, 3, 5] });
    try {
      expect(lightArchitecture(deep.model).encoderBlocks).toEqual([0, 1, 3, 4, 6]);
      expect(lightArchitecture(both.model)).toMatchObject({ widths: [16, 40, 96, 256, 576], encoderBlocks: [1, 2, 2, 3, 5] });
      const want = predict(source, input);
      expect(maxDifference(want, predict(deep, input))).toBeLessThan(1e-3);
      expect(maxDifference(want, predict(both, input))).toBeLessThan(1e-3);
      // Giving a new block's last BatchNorm a scale changes the output: the block is in the path.
      const bns = deep.model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
      const zeroed = bns.filter((l) => l.getWeights()[0].dataSync().every((v) => v === 0));
      expect(zeroed.length).toBe(1 + 1 + 2); // one new block at level 2, one at 3, two at 4
      tf.tidy(() => zeroed[0].setWeights(zeroed[0].getWeights().map((w, i) => (i === 0 ? tf.onesLike(w) : w))));
      expect(maxDifference(want, predict(deep, input))).toBeGreaterThan(1e-2);
    } finally {
      deep.dispose();
      both.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    input.dispose();
    source.dispose();
  });

  it('grows a source that was itself grown', () => {
    const deeper = createPrnetLight({ inputSize: SIZE, encoderBlocks: [0, 1, 2, 3, 5] });
    const source = wrapPrnetNetwork(deeper, defaultMetadata('prnet-light', SIZE));
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const grown = growPrnetLight(source, { widths: [16, 32, 80, 224, 640], encoderBlocks: [0, 1, 2, 3, 6] });
    try {
      expect(maxDifference(predict(source, input), predict(grown, input))).toBeLessThan(1e-3);
    } finally {
      grown.dispose();
      source.dispose();
      input.dispose();
    }
  });

  it('adds coordinate channels through zero kernel entries: the same outputs, and the entries train', () => {
    const source = randomSource(21);
    const grown = growPrnetLight(source, { widths: [16, 40, 80, 224, 512], coordinateChannels: true });
    const input = tf.randomUniform([2, SIZE, SIZE, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    try {
      expect(grown.model.getLayer('coordinates').getClassName()).toBe('CoordinateChannels');
      expect(lightArchitecture(grown.model)).toMatchObject({ widths: [16, 40, 80, 224, 512], coordinateChannels: true });
      expect(grown.metadata.description).toMatch(/coordinate channels added/);
      const stem = grown.model.getLayer('conv_1').getWeights()[0];
      expect(stem.shape).toEqual([3, 3, 5, 16]);
      const [rgb, coords] = tf.tidy(() => [
        tf.max(tf.abs(tf.slice(stem, [0, 0, 0, 0], [-1, -1, 3, -1]))).dataSync()[0],
        tf.max(tf.abs(tf.slice(stem, [0, 0, 3, 0], [-1, -1, 2, -1]))).dataSync()[0],
      ]);
      expect(rgb).toBeGreaterThan(0);
      expect(coords).toBe(0);
      expect(maxDifference(predict(source, input), predict(grown, input))).toBeLessThan(1e-5);
      // The zero entries get a gradient: a loss on the output moves them.
      const kernel = grown.model.getLayer('conv_1').trainableWeights[0];
      const grads = tf.variableGrads(() => tf.mean(grown.model.apply(input, { training: false }) as tf.Tensor) as tf.Scalar, [
        kernel.read() as tf.Variable,
      ]);
      const g = Object.values(grads.grads)[0];
      const coordinateGradient = tf.tidy(() => tf.max(tf.abs(tf.slice(g, [0, 0, 3, 0], [-1, -1, 2, -1]))).dataSync()[0]);
      expect(coordinateGradient).toBeGreaterThan(0);
      tf.dispose([grads.value, ...Object.values(grads.grads)]);
      // Growing again keeps them; removing them is refused.
      const again = growPrnetLight(grown, { widths: [16, 48, 80, 224, 512] });
      expect(lightArchitecture(again.model).coordinateChannels).toBe(true);
      again.dispose();
      expect(() => growPrnetLight(grown, { coordinateChannels: false })).toThrow(/cannot remove/);
    } finally {
      input.dispose();
      grown.dispose();
      source.dispose();
    }
  });

  it('refuses shrinking, wrong lengths, other heads and other architectures', () => {
    const source = randomSource(5);
    try {
      expect(() => growPrnetLight(source, { widths: [16, 32, 64, 224, 512] })).toThrow(InvalidArgumentError);
      expect(() => growPrnetLight(source, { widths: [16, 32, 80, 224] })).toThrow(InvalidArgumentError);
      expect(() => growPrnetLight(source, { encoderBlocks: [0, 1, 2, 3, 3] })).toThrow(/encoder blocks/);
    } finally {
      source.dispose();
    }
    const otherHead = createPrnetLight({ inputSize: SIZE, fullResolutionBlock: true });
    const network = wrapPrnetNetwork(otherHead, defaultMetadata('prnet-light', SIZE));
    try {
      expect(() => growPrnetLight(network, { widths: [16, 32, 80, 224, 640] })).toThrow(/not a prnet-light/);
    } finally {
      network.dispose();
    }
    const resfcn = createPrnetNetwork('resfcn256', { inputSize: 64, resfcn256: { baseChannels: 4 } });
    try {
      expect(() => growPrnetLight(resfcn, { widths: [16, 32, 80, 224, 512] })).toThrow(/only prnet-light/);
    } finally {
      resfcn.dispose();
    }
  });

  it('grow-model writes a model that loads and predicts like its source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prnet-widen-'));
    const source = randomSource(11);
    try {
      const { savePrnetNetworkToFile } = await import('@prnet/core/node');
      await savePrnetNetworkToFile(source, join(dir, 'src', 'model.json'), { float16: true });
      await main(['--model', join(dir, 'src', 'model.json'), '--widths', '16,40,96,256,576', '--encoder-blocks', '0,1,2,4,5', '--out', join(dir, 'wide')]);
      await expect(main(['--model', join(dir, 'src', 'model.json'), '--out', join(dir, 'x')])).rejects.toThrow(/at least one of --widths/);
      await main(['--model', join(dir, 'src', 'model.json'), '--coordinate-channels', '--out', join(dir, 'coords')]);
      const a = await loadPrnetNetworkFromFile(join(dir, 'src', 'model.json'));
      const b = await loadPrnetNetworkFromFile(join(dir, 'wide', 'model.json'));
      try {
        expect(lightArchitecture(b.model)).toMatchObject({ widths: [16, 40, 96, 256, 576], encoderBlocks: [0, 1, 2, 4, 5] });
        const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
        const difference = maxDifference(predict(a, input), predict(b, input));
        input.dispose();
        expect(difference).toBeLessThan(1e-3);
        const c = await loadPrnetNetworkFromFile(join(dir, 'coords', 'model.json'));
        try {
          expect(lightArchitecture(c.model)).toMatchObject({ widths: [16, 32, 80, 224, 512], coordinateChannels: true });
          const input2 = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
          expect(maxDifference(predict(a, input2), predict(c, input2))).toBeLessThan(1e-3);
          input2.dispose();
        } finally {
          c.dispose();
        }
      } finally {
        a.dispose();
        b.dispose();
      }
    } finally {
      source.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

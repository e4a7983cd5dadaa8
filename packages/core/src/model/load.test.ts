import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ModelLoadError } from '../errors.js';
import { useTestBackend } from '../testing/backend.js';
import { loadPrnetNetwork, savePrnetNetwork } from './load.js';
import { createPrnetNetwork, type PrnetNetwork } from './network.js';
import { memoryHandler, randomizeBatchNorm } from './test-helpers.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function weightBytes(artifacts: tf.io.ModelArtifacts): number {
  return tf.io.CompositeArrayBuffer.join(artifacts.weightData!).byteLength;
}

describe('savePrnetNetwork / loadPrnetNetwork', () => {
  let network: PrnetNetwork;
  let x: tf.Tensor4D;
  let expected: tf.Tensor4D;
  const saved = memoryHandler();
  beforeAll(async () => {
    await useTestBackend();
    network = createPrnetNetwork('prnet-light', { inputSize: 64, description: 'round trip' });
    randomizeBatchNorm(network.model);
    x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 31) as tf.Tensor4D;
    expected = network.predictPositionMaps(x);
    await savePrnetNetwork(network, saved);
  });
  afterAll(() => {
    network.dispose();
    tf.dispose([x, expected]);
  });

  it('stores the metadata in userDefinedMetadata.prnet', () => {
    expect((saved.artifacts!.userDefinedMetadata as Record<string, unknown>).prnet).toEqual(network.metadata);
  });

  it('round-trips float32 weights bit for bit', async () => {
    const loaded = await loadPrnetNetwork(saved, { compile: false });
    try {
      expect(loaded.metadata).toEqual(network.metadata);
      const actual = loaded.predictPositionMaps(x);
      expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
      actual.dispose();
    } finally {
      loaded.dispose();
    }
  });

  it('compiles a loaded network by default (same outputs to < 1e-3 px)', async () => {
    const loaded = await loadPrnetNetwork(saved);
    const actual = loaded.predictPositionMaps(x);
    expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-3);
    tf.dispose(actual);
    loaded.dispose();
  });

  it('halves the file with float16 and moves outputs by < 0.05 px (of a 64 px crop)', async () => {
    const half = memoryHandler();
    await savePrnetNetwork(network, half, { float16: true });
    const ratio = weightBytes(half.artifacts!) / weightBytes(saved.artifacts!);
    expect(ratio).toBeCloseTo(0.5, 2);
    const loaded = await loadPrnetNetwork(half, { compile: false });
    const actual = loaded.predictPositionMaps(x);
    const diff = maxAbsDiff(actual, expected);
    expect(diff).toBeGreaterThan(0); // really was rounded
    // Random (unseeded) weights: a CI run measured 0.015 px; half precision keeps ~3 decimal digits.
    expect(diff).toBeLessThan(5e-2);
    tf.dispose(actual);
    loaded.dispose();
  });

  it('names the source when the handler fails', async () => {
    const failing: tf.io.IOHandler = {
      load: async () => {
        throw new Error('disk on fire');
      },
    };
    await expect(loadPrnetNetwork('models/a.json', { resolveHandler: () => failing })).rejects.toThrow(
      /models\/a\.json: disk on fire/,
    );
    await expect(loadPrnetNetwork(failing)).rejects.toBeInstanceOf(ModelLoadError);
  });

  it('rejects truncated weights', async () => {
    const artifacts = saved.artifacts!;
    const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
    const truncated = { load: async () => ({ ...artifacts, weightData: data.slice(0, data.byteLength - 100) }) };
    await expect(loadPrnetNetwork(truncated)).rejects.toThrow(/truncated/);
  });

  it('rejects a tfjs model that is not a PRNet model', async () => {
    const input = tfl.input({ shape: [4] });
    const plain = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor });
    const handler = memoryHandler();
    await plain.save(handler);
    plain.dispose();
    await expect(loadPrnetNetwork('x/plain.json', { resolveHandler: () => handler })).rejects.toThrow(
      /^not a PRNet model: .*x\/plain\.json/,
    );
  });

  it('rejects metadata whose input size disagrees with the model', async () => {
    const artifacts = saved.artifacts!;
    const lying = {
      load: async () => ({ ...artifacts, userDefinedMetadata: { prnet: { ...network.metadata, inputSize: 128, uvResolution: 128 } } }),
    };
    const before = tf.memory().numTensors;
    await expect(loadPrnetNetwork(lying)).rejects.toThrow(ModelLoadError);
    await expect(loadPrnetNetwork(lying)).rejects.toThrow(/inputSize 128/);
    expect(tf.memory().numTensors).toBe(before); // the half-built model was disposed
  });

  it('rejects topologies that tfjs cannot build', async () => {
    const artifacts = saved.artifacts!;
    const broken = { load: async () => ({ ...artifacts, modelTopology: { class_name: 'Nonsense' } }) };
    await expect(loadPrnetNetwork(broken)).rejects.toBeInstanceOf(ModelLoadError);
  });

  it('refuses save URLs that no tfjs handler accepts', async () => {
    await expect(savePrnetNetwork(network, 'nowhere://x')).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  describe('over HTTP (tfjs loader)', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      const artifacts = saved.artifacts!;
      const json = JSON.stringify({
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: ['w.bin'], weights: artifacts.weightSpecs }],
      });
      const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
      server = createServer((req, res) => {
        if (req.url === '/m/model.json') res.end(json);
        else if (req.url === '/m/w.bin') res.end(weights);
        else if (req.url === '/bad/model.json') res.end('{"modelTopology": ');
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('loads a model by URL', async () => {
      const loaded = await loadPrnetNetwork(new URL(`${base}/m/model.json`), { compile: false });
      const actual = loaded.predictPositionMaps(x);
      expect(maxAbsDiff(actual, expected)).toBe(0);
      tf.dispose(actual);
      loaded.dispose();
    });

    it('reports a missing model.json with its URL', async () => {
      const url = `${base}/missing/model.json`;
      await expect(loadPrnetNetwork(url)).rejects.toBeInstanceOf(ModelLoadError);
      await expect(loadPrnetNetwork(url)).rejects.toThrow(url);
    });

    it('reports corrupt JSON with its URL', async () => {
      const url = `${base}/bad/model.json`;
      await expect(loadPrnetNetwork(url)).rejects.toThrow(ModelLoadError);
      await expect(loadPrnetNetwork(url)).rejects.toThrow(url);
    });
  });
});

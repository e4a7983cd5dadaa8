import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors.js';
import { createPrnetNetwork, type PrnetNetwork } from '../model/network.js';
import { randomizeBatchNorm } from '../model/test-helpers.js';
import { useTestBackend } from '../testing/backend.js';
import { fileSystemHandler } from './file-io.js';
import { loadPrnetNetworkFromFile, savePrnetNetworkToFile } from './model-file.js';

describe('PRNet model files', () => {
  let dir: string;
  let network: PrnetNetwork;
  let x: tf.Tensor4D;
  let expected: tf.Tensor4D;
  let modelPath: string;
  beforeAll(async () => {
    await useTestBackend();
    dir = await mkdtemp(join(tmpdir(), 'prnet-model-file-'));
    network = createPrnetNetwork('prnet-light', { inputSize: 64 });
    randomizeBatchNorm(network.model);
    x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 41) as tf.Tensor4D;
    expected = network.predictPositionMaps(x);
    modelPath = join(dir, 'f32', 'model.json');
    await savePrnetNetworkToFile(network, modelPath);
  });
  afterAll(async () => {
    network.dispose();
    tf.dispose([x, expected]);
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through a path and a file:// URL bit for bit', async () => {
    for (const source of [modelPath, pathToFileURL(modelPath), pathToFileURL(modelPath).href]) {
      const loaded = await loadPrnetNetworkFromFile(source, { compile: false });
      const actual = loaded.predictPositionMaps(x);
      expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
      expect(loaded.metadata).toEqual(network.metadata);
      actual.dispose();
      loaded.dispose();
    }
  });

  it('writes a float16 file half the size that predicts to float16 precision', async () => {
    const halfPath = join(dir, 'f16', 'model.json');
    await savePrnetNetworkToFile(network, halfPath, { float16: true });
    const full = (await stat(join(dir, 'f32', 'model.weights.bin'))).size;
    const half = (await stat(join(dir, 'f16', 'model.weights.bin'))).size;
    expect(full).toBe(network.model.countParams() * 4);
    expect(half).toBe(full / 2);
    const loaded = await loadPrnetNetworkFromFile(halfPath);
    const actual = loaded.predictPositionMaps(x);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]);
    const range = tf.tidy(() => tf.max(tf.abs(expected)).dataSync()[0]);
    // float16 keeps 11 significant bits (each weight rounded by at most 2^-11 ≈ 4.9e-4 of itself);
    // over 12 random networks the largest output error was 0.8–2.8e-4 of the largest output
    // (0.003–0.012 px), so 1e-3 of it bounds rounding, not a wrong weight layout or cast.
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-3 * range);
    actual.dispose();
    loaded.dispose();
  });

  it('reports a missing model.json by path', async () => {
    const missing = join(dir, 'none', 'model.json');
    await expect(loadPrnetNetworkFromFile(missing)).rejects.toBeInstanceOf(ModelLoadError);
    await expect(loadPrnetNetworkFromFile(missing)).rejects.toThrow(missing);
  });

  it('reports missing and truncated weights by path', async () => {
    const path = join(dir, 'broken', 'model.json');
    await savePrnetNetworkToFile(network, path);
    const bin = join(dir, 'broken', 'model.weights.bin');
    await truncate(bin, 1000);
    await expect(loadPrnetNetworkFromFile(path)).rejects.toThrow(/truncated/);
    await expect(loadPrnetNetworkFromFile(path)).rejects.toThrow(path);
    await rm(bin);
    await expect(loadPrnetNetworkFromFile(path)).rejects.toThrow(bin);
  });

  it('reports corrupt JSON by path', async () => {
    const path = join(dir, 'corrupt.json');
    await writeFile(path, '{"modelTopology": {"class_name": "Mod');
    await expect(loadPrnetNetworkFromFile(path)).rejects.toThrow(ModelLoadError);
    await expect(loadPrnetNetworkFromFile(path)).rejects.toThrow(path);
  });

  it('rejects a tfjs model.json without PRNet metadata', async () => {
    const input = tfl.input({ shape: [3] });
    const plain = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1 }).apply(input) as tfl.SymbolicTensor });
    const path = join(dir, 'plain', 'model.json');
    await plain.save(fileSystemHandler(path));
    plain.dispose();
    await expect(loadPrnetNetworkFromFile(path)).rejects.toThrow(/^not a PRNet model: .*plain\/model\.json/);
  });

  it('sends http(s) URLs to the HTTP loader', async () => {
    // Port 9 (discard) on localhost refuses connections: the HTTP loader fails, naming the URL.
    const url = 'http://127.0.0.1:9/model.json';
    const error = await loadPrnetNetworkFromFile(url).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error?.message).toContain(url);
    expect(error?.message).not.toMatch(/model file not found/); // not the filesystem handler
  });
});

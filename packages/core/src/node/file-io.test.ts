import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { io } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors.js';
import { fileSystemHandler, filePathOf } from './file-io.js';

describe('filePathOf', () => {
  it('accepts paths and file URLs', () => {
    expect(filePathOf('/a/b/model.json')).toBe('/a/b/model.json');
    expect(filePathOf('rel/model.json')).toBe('rel/model.json');
    expect(filePathOf('file:///a/b%20c/model.json')).toBe('/a/b c/model.json');
    expect(filePathOf('file://rel/model.json')).toBe('rel/model.json');
    expect(filePathOf(new URL('file:///x/y.json'))).toBe('/x/y.json');
  });
});

describe('fileSystemHandler', () => {
  let dir: string;
  const specs: io.WeightsManifestEntry[] = [
    { name: 'k', shape: [2, 3], dtype: 'float32' },
    { name: 'h', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
    { name: 'i', shape: [1], dtype: 'int32' },
  ];
  const weightBytes = 2 * 3 * 4 + 4 * 2 + 4;
  const weights = new Uint8Array(weightBytes).map((_, i) => (i * 37) & 0xff);
  const artifacts: io.ModelArtifacts = {
    modelTopology: { class_name: 'Model', config: {} },
    format: 'layers-model',
    userDefinedMetadata: { prnet: { note: 'x' } },
    weightSpecs: specs,
    weightData: weights.buffer,
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prnet-file-io-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('saves model.json + weights and loads them back unchanged', async () => {
    const path = join(dir, 'nested', 'model.json');
    const result = await fileSystemHandler(path).save!(artifacts);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(weightBytes);
    const json = JSON.parse(await readFile(path, 'utf8')) as io.ModelJSON;
    expect(json.weightsManifest).toEqual([{ paths: ['model.weights.bin'], weights: specs }]);
    for (const source of [path, pathToFileURL(path), pathToFileURL(path).href]) {
      const loaded = await fileSystemHandler(source).load!();
      expect(loaded.modelTopology).toEqual(artifacts.modelTopology);
      expect(loaded.userDefinedMetadata).toEqual(artifacts.userDefinedMetadata);
      expect(loaded.weightSpecs).toEqual(specs);
      expect(new Uint8Array(loaded.weightData as ArrayBuffer)).toEqual(weights);
    }
  });

  it('joins several weight shards in manifest order', async () => {
    const path = join(dir, 'sharded.json');
    await writeFile(join(dir, 's1.bin'), weights.subarray(0, 10));
    await writeFile(join(dir, 's2.bin'), weights.subarray(10));
    const manifest = [
      { paths: ['s1.bin', 's2.bin'], weights: specs.slice(0, 2) },
      { paths: [], weights: specs.slice(2) },
    ];
    await writeFile(path, JSON.stringify({ modelTopology: {}, weightsManifest: manifest }));
    const loaded = await fileSystemHandler(path).load!();
    expect(new Uint8Array(loaded.weightData as ArrayBuffer)).toEqual(weights);
    expect(loaded.weightSpecs).toEqual(specs);
  });

  it('reports a missing model.json', async () => {
    const path = join(dir, 'nope.json');
    await expect(fileSystemHandler(path).load!()).rejects.toThrow(ModelLoadError);
    await expect(fileSystemHandler(path).load!()).rejects.toThrow(`model file not found: ${path}`);
  });

  it('reports corrupt JSON and JSON that is not a model', async () => {
    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"modelTopology": {"a": ');
    await expect(fileSystemHandler(corrupt).load!()).rejects.toThrow(/corrupt\.json is not readable JSON/);
    const other = join(dir, 'other.json');
    await writeFile(other, '{"hello": 1}');
    await expect(fileSystemHandler(other).load!()).rejects.toThrow(/other\.json is not a tfjs model\.json/);
  });

  it('reports missing, truncated and oversized weights', async () => {
    const path = join(dir, 'w', 'model.json');
    await fileSystemHandler(path).save!(artifacts);
    const bin = join(dir, 'w', 'model.weights.bin');

    await writeFile(bin, weights.subarray(0, weightBytes - 3));
    await expect(fileSystemHandler(path).load!()).rejects.toThrow(
      new RegExp(`hold ${weightBytes - 3} bytes but the manifest needs ${weightBytes}`),
    );
    await writeFile(bin, new Uint8Array(weightBytes + 1));
    await expect(fileSystemHandler(path).load!()).rejects.toThrow(ModelLoadError);
    await truncate(bin, 0);
    await expect(fileSystemHandler(path).load!()).rejects.toThrow(/truncated/);
    await rm(bin);
    await expect(fileSystemHandler(path).load!()).rejects.toThrow(`weights file not found or unreadable: ${bin}`);
  });

  it('refuses to save binary topologies', async () => {
    await expect(
      fileSystemHandler(join(dir, 'bin.json')).save!({ modelTopology: new ArrayBuffer(4) }),
    ).rejects.toBeInstanceOf(ModelLoadError);
    await expect(fileSystemHandler(join(dir, 'none.json')).save!({})).rejects.toThrow(/no model topology/);
  });
});

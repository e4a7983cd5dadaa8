import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors.js';
import { boxOfPoints, type Box } from '../geometry/crop.js';
import type { Prnet } from '../prnet.js';
import { coreAssetPath, createPrnet, decodeImage, defaultModelPath } from './index.js';

const samplePath = coreAssetPath('samples', 'sample-face.png');
const sample = JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8')) as { box: Box };

function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

describe('createPrnet (Node, shipped model, layout and detector)', () => {
  let prnet: Prnet;
  beforeAll(async () => {
    prnet = await createPrnet({ backend: 'wasm' });
  });
  afterAll(() => prnet.dispose());

  it('loads the shipped default model with its matching layout', () => {
    expect(prnet.metadata.architecture).toBe('prnet-light');
    expect(prnet.layout.resolution).toBe(prnet.metadata.uvResolution);
    expect(prnet.layout.vertexPixels.length).toBeGreaterThanOrEqual(10_000);
    // The model file budget (issue: ≤ 10 MB): topology + weights as shipped.
    const folder = dirname(defaultModelPath());
    const bytes = statSync(join(folder, 'model.json')).size + statSync(join(folder, 'model.weights.bin')).size;
    expect(bytes).toBeLessThanOrEqual(10e6);
  });

  it('puts the face where the box says: crop → network → un-crop is consistent on the real model', async () => {
    const image = decodeImage(samplePath);
    const face = await prnet.reconstruct(image, { box: sample.box });
    const out = boxOfPoints(face.landmarks68);
    const centre = (b: Box) => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
    const side = (b: Box) => (b[2] - b[0] + b[3] - b[1]) / 2;
    if (!prnet.metadata.trained) {
      // The untrained initial model outputs the mean face placed exactly in PRNet's crop of the box.
      expect(centre(out)[0]).toBeCloseTo(centre(sample.box)[0], 0);
      expect(centre(out)[1]).toBeCloseTo(centre(sample.box)[1], 0);
      expect(Math.abs(side(out) / side(sample.box) - 1)).toBeLessThan(0.01);
    } else {
      expect(iou(out, sample.box)).toBeGreaterThan(0.7);
    }
    expect(face.vertices.length / 3).toBe(prnet.layout.vertexPixels.length);
  });

  it('leaves plausible readings alone under roll recovery, and rejects a bad threshold', async () => {
    // Roll recovery (on by default) only turns crops whose reading fits the mean face badly; the
    // upright sample fits well, so it reads exactly as with recovery off. (Its effect on real
    // upside-down faces is tested on AFLW2000-3D in the trainer: eval/roll-recovery.test.ts.)
    const image = decodeImage(samplePath);
    const upright = await prnet.reconstruct(image, { box: sample.box });
    expect(upright.pose.rms / upright.pose.scale).toBeLessThan(1.3 / 2);
    const plain = await createPrnet({ backend: 'wasm', detector: false, rollRecovery: false });
    try {
      expect(Array.from((await plain.reconstruct(image, { box: sample.box })).landmarks68)).toEqual(Array.from(upright.landmarks68));
    } finally {
      plain.dispose();
    }
    await expect(createPrnet({ backend: 'wasm', detector: false, rollRecovery: { maxResidualCm: 0 } })).rejects.toThrow(/maxResidualCm/);
  });

  it('also ships the synthetic-data-only model (MIT), which reconstructs the sample face', async () => {
    const synthetic = await createPrnet({ model: coreAssetPath('models', 'synthetic', 'model.json'), detector: false });
    try {
      expect(synthetic.metadata.trained).toBe(true);
      // Trained on rendered ICT faces only: none of its datasets is the AFLW-labelled one.
      const datasets = (synthetic.metadata.training?.datasets ?? []) as { dir: string }[];
      expect(datasets.length).toBeGreaterThan(0);
      expect(datasets.some((d) => /aflw/i.test(d.dir))).toBe(false);
      const face = await synthetic.reconstruct(decodeImage(samplePath), { box: sample.box });
      expect(iou(boxOfPoints(face.landmarks68), sample.box)).toBeGreaterThan(0.7);
    } finally {
      synthetic.dispose();
    }
  });

  it('finds the face with the detector when no box is given', async () => {
    const face = await prnet.reconstruct(decodeImage(samplePath));
    expect(face.detectionScore).toBeGreaterThan(0.5);
    expect(iou(face.box, sample.box)).toBeGreaterThan(0.7);
  });

  it('leaks no tensors over repeated calls on the real model', async () => {
    const image = decodeImage(samplePath);
    await prnet.reconstruct(image, { box: sample.box });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await prnet.reconstruct(image, i % 4 ? { box: sample.box } : undefined);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports a missing or truncated model file as ModelLoadError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prnet-model-'));
    try {
      await expect(createPrnet({ model: join(dir, 'nope.json') })).rejects.toBeInstanceOf(ModelLoadError);
      const src = defaultModelPath();
      copyFileSync(src, join(dir, 'model.json'));
      copyFileSync(join(src, '..', 'model.weights.bin'), join(dir, 'model.weights.bin'));
      const weights = join(dir, 'model.weights.bin');
      truncateSync(weights, Math.floor(statSync(weights).size / 2));
      await expect(createPrnet({ model: join(dir, 'model.json') })).rejects.toBeInstanceOf(ModelLoadError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

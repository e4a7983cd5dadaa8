import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { boxOfPoints, cropFromBox, cropToTensor, imageToCropPoints, positionFromSigmoid, type UvLayout } from '@prnet/core';
import { rotationFromAngles } from '@prnet/core/geometry';
import { loadDefaultUvLayout } from '@prnet/core/node';
import { coordinateImage, posedPositionMap, useTestBackend } from '@prnet/core/testing';
import { findSharedDataDir, loadIctModel } from '../ict/ict-model.js';
import { createRng } from '../render/procedural.js';
import { augmentedCrop, makeTrainingBatch, positionMapOvershoot } from './augment.js';
import { EXPRESSION_COUNT } from './expressions.js';
import { createSampleGenerator, type Sample } from './sample.js';
import { decodeSample, encodeSample } from './sample-codec.js';

const S = 128;
const IMAGE = 192;

/**
 * A data-free sample: core's mean face posed at (pitch, yaw, roll) with its 68-landmark box
 * ~45 % of a 192² coordinate image (colour encodes position), mean depth 0.
 */
function meanFaceSample(layout: UvLayout, pitch: number, yaw: number, roll: number, index = 0): Sample {
  const rotation = rotationFromAngles(pitch, yaw, roll);
  const positionMap = posedPositionMap(layout, { rotation, scale: 5.5, translation: [IMAGE / 2, IMAGE / 2, 0] });
  let meanZ = 0;
  for (const p of layout.vertexPixels) meanZ += positionMap[p * 3 + 2];
  meanZ /= layout.vertexPixels.length;
  for (const p of layout.vertexPixels) positionMap[p * 3 + 2] -= meanZ;
  const landmarks68 = new Float32Array(204);
  layout.landmarkPixels.forEach((p, k) => landmarks68.set(positionMap.subarray(p * 3, p * 3 + 3), k * 3));
  return {
    index,
    seed: index,
    image: coordinateImage(IMAGE, IMAGE),
    positionMap,
    landmarks68,
    pose: { pitch, yaw, roll },
    expression: new Float32Array(EXPRESSION_COUNT),
  };
}

/** The [N, R, R, 3] target values at the 68 landmark pixels of sample n. */
function targetLandmarks(targets: Float32Array, n: number, layout: UvLayout): Float32Array {
  const R2 = layout.resolution * layout.resolution;
  const out = new Float32Array(204);
  layout.landmarkPixels.forEach((p, k) => out.set(targets.subarray((n * R2 + p) * 3, (n * R2 + p) * 3 + 3), k * 3));
  return out;
}

describe('makeTrainingBatch (core mean face, no data needed)', () => {
  let layout: UvLayout;
  let samples: Sample[];
  beforeAll(async () => {
    await useTestBackend();
    layout = loadDefaultUvLayout(128);
    const rng = createRng(77);
    samples = Array.from({ length: 24 }, (_, i) =>
      meanFaceSample(layout, (rng() * 2 - 1) * 40, (rng() * 2 - 1) * 88, (rng() * 2 - 1) * 40, i),
    );
  });

  it('without augmentation is exactly PRNet’s crop: cropFromBox(landmark box), cropToTensor, sigmoidFromPosition(crop-frame position map)', () => {
    const batch = makeTrainingBatch(samples.slice(0, 4), { augment: false });
    try {
      expect(batch.images.shape).toEqual([4, S, S, 3]);
      expect(batch.targets.shape).toEqual([4, 128, 128, 3]);
      const targets = batch.targets.dataSync() as Float32Array;
      for (let n = 0; n < 4; n++) {
        const crop = cropFromBox(boxOfPoints(samples[n].landmarks68), S);
        expect(batch.crops[n]).toEqual(crop);
        const expected = imageToCropPoints(crop, samples[n].landmarks68);
        const got = targetLandmarks(targets, n, layout);
        for (let i = 0; i < 204; i++) expect(Math.abs(positionFromSigmoid(got[i], S) - expected[i])).toBeLessThan(1e-3);
        // Outside the mask the target is 0.
        const outside = layout.mask.indexOf(0);
        expect(targets[(n * 128 * 128 + outside) * 3]).toBe(0);
      }
      const reference = tf.tidy(() => cropToTensor(tf.tensor3d(Float32Array.from(samples[0].image.data), [IMAGE, IMAGE, 3]), [batch.crops[0]]));
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(reference, tf.slice(batch.images, [0, 0, 0, 0], [1, S, S, 3])))).dataSync()[0]);
      reference.dispose();
      expect(diff).toBe(0);
    } finally {
      batch.images.dispose();
      batch.targets.dispose();
    }
  });

  it('with the default augmentation keeps the landmarks inside the crop and the position map near the output range', () => {
    const rng = createRng(3);
    let rotated = 0;
    let maxRotation = 0;
    let scaleLo = Infinity;
    let scaleHi = 0;
    let worstBase = 0;
    for (let round = 0; round < 8; round++) {
      for (const sample of samples) {
        const crop = augmentedCrop(sample, S, rng);
        const base = cropFromBox(boxOfPoints(sample.landmarks68), S);
        if (crop.rotation !== 0) rotated++;
        maxRotation = Math.max(maxRotation, Math.abs(crop.rotation));
        scaleLo = Math.min(scaleLo, crop.size / base.size);
        scaleHi = Math.max(scaleHi, crop.size / base.size);
        const lm = imageToCropPoints(crop, sample.landmarks68);
        for (let k = 0; k < 68; k++) {
          expect(lm[k * 3]).toBeGreaterThanOrEqual(0);
          expect(lm[k * 3]).toBeLessThanOrEqual(S);
          expect(lm[k * 3 + 1]).toBeGreaterThanOrEqual(0);
          expect(lm[k * 3 + 1]).toBeLessThanOrEqual(S);
        }
        // The position map stays in the output range [−0.25 S, 1.25 S], or no further out than
        // with the plain crop.
        const baseOvershoot = positionMapOvershoot(base, sample.positionMap);
        expect(positionMapOvershoot(crop, sample.positionMap)).toBeLessThanOrEqual(baseOvershoot + 1e-9);
        worstBase = Math.max(worstBase, baseOvershoot);
      }
    }
    const total = 8 * samples.length;
    // The perturbation really happens (fallbacks to the plain crop are rare) over the whole range.
    expect(rotated / total).toBeGreaterThan(0.9);
    expect((maxRotation * 180) / Math.PI).toBeGreaterThan(35);
    expect(scaleLo).toBeLessThan(0.95);
    expect(scaleHi).toBeGreaterThan(1.15);
    expect(worstBase).toBeLessThan(0.1 * S);
  });

  it('measures the overshoot of the position map beyond the output range', () => {
    const sample = samples[0];
    const crop = cropFromBox(boxOfPoints(sample.landmarks68), S);
    // A crop 3× larger holds the whole face well inside the range.
    expect(positionMapOvershoot({ ...crop, size: crop.size * 3 }, sample.positionMap)).toBe(0);
    // Shifting the crop right by 200 crop pixels pushes the face's left edge (x ≈ 10–40) to
    // x ≈ −190…−160, i.e. ~130–160 px below the range's lower end −0.25 S = −32.
    const shifted = { ...crop, centreX: crop.centreX + (200 * crop.size) / S };
    const o = positionMapOvershoot(shifted, sample.positionMap);
    expect(o).toBeGreaterThan(110);
    expect(o).toBeLessThan(180);
  });

  it('samples the image and the targets with the same (rotated) transform', () => {
    const batch = makeTrainingBatch(samples.slice(0, 6), { rng: 5, augment: { colour: [1, 1], occlusion: 0 } });
    try {
      const images = batch.images.dataSync() as Float32Array;
      const targets = batch.targets.dataSync() as Float32Array;
      let worst = 0;
      for (let n = 0; n < 6; n++) {
        const lm = targetLandmarks(targets, n, layout);
        for (let k = 0; k < 68; k++) {
          // Crop pixel holding landmark k; the coordinate image says which image pixel it shows.
          const u = positionFromSigmoid(lm[k * 3], S);
          const v = positionFromSigmoid(lm[k * 3 + 1], S);
          const i = Math.min(S - 1, Math.floor(u));
          const j = Math.min(S - 1, Math.floor(v));
          const o = ((n * S + j) * S + i) * 3;
          const x = images[o] * 255;
          const y = images[o + 1] * 255;
          worst = Math.max(worst, Math.hypot(x - samples[n].landmarks68[k * 3], y - samples[n].landmarks68[k * 3 + 1]));
        }
      }
      // Within one crop pixel (≤ 1.3 image pixels here) plus the half-pixel offset.
      expect(worst).toBeLessThan(2.5);
      expect(batch.crops.some((c) => Math.abs(c.rotation) > 0.2)).toBe(true);
    } finally {
      batch.images.dispose();
      batch.targets.dispose();
    }
  });

  it('applies per-channel colour gains and synthetic occluders', () => {
    const plain = makeTrainingBatch(samples.slice(0, 8), { rng: 9, augment: { rotationDeg: 0, translate: 0, scale: [1, 1], colour: [1, 1], occlusion: 0 } });
    const gained = makeTrainingBatch(samples.slice(0, 8), { rng: 9, augment: { rotationDeg: 0, translate: 0, scale: [1, 1], colour: [0.6, 1.4], occlusion: 0 } });
    const occluded = makeTrainingBatch(samples.slice(0, 8), { rng: 9, augment: { rotationDeg: 0, translate: 0, scale: [1, 1], colour: [1, 1], occlusion: 1 } });
    try {
      const a = plain.images.dataSync();
      const g = gained.images.dataSync();
      const o = occluded.images.dataSync();
      // Same crop (no geometric perturbation) → identical targets.
      expect(Buffer.from((gained.targets.dataSync() as Float32Array).buffer).equals(Buffer.from((plain.targets.dataSync() as Float32Array).buffer))).toBe(true);
      const ratios: number[] = [];
      let changedPerImage = 0;
      for (let n = 0; n < 8; n++) {
        for (let c = 0; c < 3; c++) {
          let num = 0;
          let den = 0;
          for (let p = 0; p < S * S; p++) {
            const i = (n * S * S + p) * 3 + c;
            if (g[i] < 1 && a[i] > 0.1) {
              num += g[i];
              den += a[i];
            }
          }
          ratios.push(num / den);
        }
        let changed = 0;
        for (let p = 0; p < S * S * 3; p++) if (Math.abs(o[n * S * S * 3 + p] - a[n * S * S * 3 + p]) > 1e-6) changed++;
        const fraction = changed / (S * S * 3);
        expect(fraction).toBeGreaterThan(0.01);
        expect(fraction).toBeLessThan(0.3);
        changedPerImage++;
      }
      expect(Math.min(...ratios)).toBeGreaterThanOrEqual(0.6 - 1e-3);
      expect(Math.max(...ratios)).toBeLessThanOrEqual(1.4 + 1e-3);
      expect(Math.max(...ratios) - Math.min(...ratios)).toBeGreaterThan(0.3);
      expect(changedPerImage).toBe(8);
    } finally {
      for (const b of [plain, gained, occluded]) {
        b.images.dispose();
        b.targets.dispose();
      }
    }
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const batch = makeTrainingBatch(samples.slice(0, 5), { rng: 1, augment: { occlusion: 1 } });
    expect(tf.memory().numTensors).toBe(before + 2);
    batch.images.dispose();
    batch.targets.dispose();
    const plain = makeTrainingBatch(samples.slice(0, 1), { augment: false });
    plain.images.dispose();
    plain.targets.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

const dataDir = findSharedDataDir();

describe.skipIf(!dataDir)('makeTrainingBatch on rendered, stored samples (needs ../shared/data; skipped when absent)', () => {
  it('puts the batch target at the 68 landmark pixels on the crop-frame landmarks within 0.05 px after quantisation', async () => {
    await useTestBackend();
    const layout = loadDefaultUvLayout(128);
    const generator = createSampleGenerator(loadIctModel(), { imageSize: 96, uvResolution: 128 });
    const samples = [0, 1, 2, 3].map((i) => decodeSample(encodeSample(generator.generate(31, i), generator.mask), 128, 'test'));
    for (const augment of [false, undefined] as const) {
      const batch = makeTrainingBatch(samples, { inputSize: S, rng: 4, augment });
      try {
        const targets = batch.targets.dataSync() as Float32Array;
        for (let n = 0; n < samples.length; n++) {
          const expected = imageToCropPoints(batch.crops[n], samples[n].landmarks68);
          const got = targetLandmarks(targets, n, layout);
          let worst = 0;
          for (let i = 0; i < 204; i++) worst = Math.max(worst, Math.abs(positionFromSigmoid(got[i], S) - expected[i]));
          expect(worst).toBeLessThan(0.05);
        }
      } finally {
        batch.images.dispose();
        batch.targets.dispose();
      }
    }
  });
});

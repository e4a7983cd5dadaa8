import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxOfPoints } from './geometry/crop.js';
import { uprightRotation } from './geometry/upright.js';
import { InvalidArgumentError } from './errors.js';
import { coreAssetPath, createPrnet, decodeImage } from './node/index.js';
import type { Prnet } from './prnet.js';
import { useTestBackend } from './testing/backend.js';
import { turnedImage } from './testing/turned-image.js';

/** Mean 2D landmark error (px) of 68 points against ground-truth points (both flat xyz). */
function meanError(landmarks: Float32Array, truth: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < 68; k++) sum += Math.hypot(landmarks[k * 3] - truth[k * 3], landmarks[k * 3 + 1] - truth[k * 3 + 1]);
  return sum / 68;
}

describe('test-time options of createPrnet with the shipped model on the rendered sample face', () => {
  const truth = JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8'));
  const truthPoints = (truth.landmarks68 as number[][]).flat();
  const sample = decodeImage(coreAssetPath('samples', 'sample-face.png'));
  const box = truth.box as [number, number, number, number];
  let plain: Prnet;
  let flipped: Prnet;
  let refined: Prnet;
  let byDefault: Prnet;
  beforeAll(async () => {
    await useTestBackend();
    plain = await createPrnet({ landmarks: 'layout', refine: false });
    flipped = await createPrnet({ landmarks: 'layout', flipTest: true, refine: false });
    refined = await createPrnet({ landmarks: 'layout', refine: true });
    byDefault = await createPrnet({ landmarks: 'layout' });
  });
  afterAll(() => {
    plain.dispose();
    flipped.dispose();
    refined.dispose();
    byDefault.dispose();
  });

  it('flipTest averages with the mirrored crop: close to the plain map, no less accurate, no leaks', async () => {
    const a = await plain.reconstruct(sample, { box });
    const before = tf.memory().numTensors;
    const b = await flipped.reconstruct(sample, { box });
    const [c] = await flipped.reconstructFaces(sample, [box]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(c.landmarks68)).toEqual(Array.from(b.landmarks68));
    let moved = 0;
    let changed = 0;
    for (let i = 0; i < a.landmarks68.length; i++) {
      moved = Math.max(moved, Math.abs(a.landmarks68[i] - b.landmarks68[i]));
      if (a.landmarks68[i] !== b.landmarks68[i]) changed++;
    }
    expect(changed).toBeGreaterThan(100); // it did something
    const faceSize = box[2] - box[0];
    expect(moved).toBeLessThan(0.1 * faceSize); // and nothing wild
    const errA = meanError(a.landmarks68, truthPoints);
    const errB = meanError(b.landmarks68, truthPoints);
    console.log(`sample face, mean landmark error: ${errA.toFixed(2)} px plain, ${errB.toFixed(2)} px with the flip test`);
    expect(errB).toBeLessThan(errA * 1.1);
  });

  /** The sample image turned about its centre so the head leans by `degrees` (> 0: top to the right). */
  function rolledSample(degrees: number): { image: tf.Tensor3D; landmarks: Float32Array } {
    const { image, points } = turnedImage(sample, degrees, truthPoints);
    return { image, landmarks: points };
  }

  it('refine gives the roll back and lowers the landmark error of a strongly rolled face, without leaks', async () => {
    const upright = await plain.reconstruct(sample, { box: truth.box });
    for (const roll of [-60, 55]) {
      const { image, landmarks } = rolledSample(roll);
      try {
        const box = boxOfPoints(landmarks);
        const a = await plain.reconstruct(image, { box });
        const before = tf.memory().numTensors;
        const b = await refined.reconstruct(image, { box });
        const [c] = await refined.reconstructBatch([{ image, box }]);
        expect(tf.memory().numTensors).toBe(before);
        expect(Array.from((c as typeof b).landmarks68)).toEqual(Array.from(b.landmarks68));
        const errA = meanError(a.landmarks68, landmarks);
        const errB = meanError(b.landmarks68, landmarks);
        const faceSize = box[2] - box[0];
        console.log(
          `sample face rolled ${roll}°: landmark error ${errA.toFixed(2)} px plain, ${errB.toFixed(2)} px refined; ` +
            `roll ${a.pose.roll.toFixed(1)}° / ${b.pose.roll.toFixed(1)}° (upright ${upright.pose.roll.toFixed(1)}°)`,
        );
        expect(errB).toBeLessThan(errA);
        expect(errB).toBeLessThan(0.05 * faceSize);
        // the pose's roll follows the image rotation (its sign convention: > 0 = top of the head to the right)
        expect(Math.abs(b.pose.roll - upright.pose.roll - roll)).toBeLessThan(5);
      } finally {
        image.dispose();
      }
    }
  });

  it('refine by default: one pass for a face near upright, both passes for a tilted one', async () => {
    const upright = await plain.reconstruct(sample, { box });
    const turn = (Math.abs(uprightRotation(upright.pose.modelRotation)) * 180) / Math.PI;
    expect(turn).toBeLessThan(10); // the rendered sample face is upright
    const a = await byDefault.reconstruct(sample, { box });
    expect(Array.from(a.positionMap)).toEqual(Array.from(upright.positionMap));
    const { image, landmarks } = rolledSample(30);
    try {
      const rolledBox = boxOfPoints(landmarks);
      const one = await plain.reconstruct(image, { box: rolledBox });
      const two = await refined.reconstruct(image, { box: rolledBox });
      const before = tf.memory().numTensors;
      const b = await byDefault.reconstruct(image, { box: rolledBox });
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(b.positionMap)).toEqual(Array.from(two.positionMap));
      expect(Array.from(b.positionMap)).not.toEqual(Array.from(one.positionMap));
      // a threshold above the face's turn keeps the first pass
      const strict = await createPrnet({ landmarks: 'layout', refine: { minTurnDegrees: 60 } });
      try {
        expect(Array.from((await strict.reconstruct(image, { box: rolledBox })).positionMap)).toEqual(Array.from(one.positionMap));
      } finally {
        strict.dispose();
      }
    } finally {
      image.dispose();
    }
  });

  it('rejects a negative or non-numeric refine.minTurnDegrees', async () => {
    await expect(createPrnet({ refine: { minTurnDegrees: -1 } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(createPrnet({ refine: { minTurnDegrees: Number.NaN } })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

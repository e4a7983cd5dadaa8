import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxOfPoints, cropFromCentre, imageToCropPoints } from './geometry/crop.js';
import { cropToTensor } from './image/crop-tensor.js';
import { imageToTensor } from './image/to-tensor.js';
import { coreAssetPath, createPrnet, decodeImage } from './node/index.js';
import type { Prnet } from './prnet.js';
import { useTestBackend } from './testing/backend.js';

/** Mean 2D landmark error (px) against ground-truth points (flat xyz). */
function meanError(landmarks: Float32Array, truth: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < 68; k++) sum += Math.hypot(landmarks[k * 3] - truth[k * 3], landmarks[k * 3 + 1] - truth[k * 3 + 1]);
  return sum / 68;
}

describe('createPrnet({ refine }) with the shipped model on the rendered sample face, rolled', () => {
  const truth = JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8'));
  const sample = decodeImage(coreAssetPath('samples', 'sample-face.png'));
  let plain: Prnet;
  let refined: Prnet;
  beforeAll(async () => {
    await useTestBackend();
    plain = await createPrnet({ landmarks: 'layout' });
    refined = await createPrnet({ landmarks: 'layout', refine: true });
  });
  afterAll(() => {
    plain.dispose();
    refined.dispose();
  });

  /** The sample image turned about its centre so the head leans by `degrees` (> 0: top to the right). */
  function rolledSample(degrees: number): { image: tf.Tensor3D; landmarks: Float32Array } {
    const { width, height } = truth;
    // crop = Rot(θ)(image − c): θ = −roll turns image content clockwise on screen by `degrees`
    const crop = cropFromCentre(width / 2, height / 2, width, width, (-degrees * Math.PI) / 180);
    const source = imageToTensor(sample);
    const image = tf.tidy(() => tf.squeeze(tf.mul(cropToTensor(source, [crop]), 255), [0]) as tf.Tensor3D);
    source.dispose();
    return { image, landmarks: imageToCropPoints(crop, (truth.landmarks68 as number[][]).flat()) };
  }

  it('gives the roll back and lowers the landmark error of a strongly rolled face, without leaks', async () => {
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
});

import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreAssetPath, createPrnet, decodeImage } from './node/index.js';
import type { Prnet } from './prnet.js';
import { useTestBackend } from './testing/backend.js';

/** Mean 2D landmark error (px) against the sample face's ground truth (ICT landmark definition). */
function meanError(landmarks: Float32Array, truth: number[][]): number {
  let sum = 0;
  truth.forEach((t, k) => (sum += Math.hypot(landmarks[k * 3] - t[0], landmarks[k * 3 + 1] - t[1])));
  return sum / truth.length;
}

describe('createPrnet({ flipTest }) with the shipped model on the rendered sample face', () => {
  const truth = JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8'));
  const image = decodeImage(coreAssetPath('samples', 'sample-face.png'));
  const box = truth.box as [number, number, number, number];
  let plain: Prnet;
  let flipped: Prnet;
  beforeAll(async () => {
    await useTestBackend();
    plain = await createPrnet({ landmarks: 'layout' });
    flipped = await createPrnet({ landmarks: 'layout', flipTest: true });
  });
  afterAll(() => {
    plain.dispose();
    flipped.dispose();
  });

  it('averages with the mirrored crop: close to the plain map, no less accurate, no leaks', async () => {
    const a = await plain.reconstruct(image, { box });
    const before = tf.memory().numTensors;
    const b = await flipped.reconstruct(image, { box });
    const [c] = await flipped.reconstructFaces(image, [box]);
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
    const errA = meanError(a.landmarks68, truth.landmarks68);
    const errB = meanError(b.landmarks68, truth.landmarks68);
    console.log(`sample face, mean landmark error: ${errA.toFixed(2)} px plain, ${errB.toFixed(2)} px with the flip test`);
    expect(errB).toBeLessThan(errA * 1.1);
  });
});

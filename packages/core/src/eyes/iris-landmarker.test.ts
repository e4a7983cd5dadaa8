import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, InvalidArgumentError, ModelLoadError } from '../errors.js';
import { coreAssetPath, decodeImage, defaultIrisModelPath, loadDefaultIrisLandmarker } from '../node/index.js';
import { useTestBackend } from '../testing/backend.js';
import type { IrisLandmarker } from './iris-landmarker.js';

let available = true;
try {
  defaultIrisModelPath();
} catch {
  available = false;
  console.warn('iris landmarker tests skipped: @vladmandic/human (models/iris.json) is not installed');
}

describe.skipIf(!available)("createIrisLandmarker with @vladmandic/human's iris model, on the rendered sample face", () => {
  const truth = JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8'));
  const landmarks = Float32Array.from((truth.landmarks68 as number[][]).flat());
  const decoded = decodeImage(coreAssetPath('samples', 'sample-face.png'));
  let iris: IrisLandmarker;
  let image: tf.Tensor3D;

  beforeAll(async () => {
    await useTestBackend();
    iris = await loadDefaultIrisLandmarker();
    image = tf.tensor3d(Float32Array.from(decoded.data), [decoded.height, decoded.width, 3], 'float32');
  });
  afterAll(() => {
    iris.dispose();
    image.dispose();
  });

  it("puts each eye's corners on the face's eye landmarks and measures open, forward-looking eyes", async () => {
    const eyes = await iris.estimate(image, landmarks);
    const eyeWidth = Math.hypot(landmarks[39 * 3] - landmarks[36 * 3], landmarks[39 * 3 + 1] - landmarks[36 * 3 + 1]);
    for (const [obs, outer, inner] of [[eyes.right, 36, 39], [eyes.left, 45, 42]] as const) {
      const d = (k: number, i: number) => Math.hypot(obs.contour[2 * i] - landmarks[3 * k], obs.contour[2 * i + 1] - landmarks[3 * k + 1]);
      expect(d(outer, 0)).toBeLessThan(0.25 * eyeWidth);
      expect(d(inner, 8)).toBeLessThan(0.25 * eyeWidth);
      expect(obs.openness).toBeGreaterThan(0.15);
      expect(obs.openness).toBeLessThan(0.6);
      expect(Math.abs(obs.gazeX)).toBeLessThan(0.15);
      expect(Math.abs(obs.gazeY)).toBeLessThan(0.15);
    }
    // The subject's right eye is the image-left one.
    expect(eyes.right.iris[0]).toBeLessThan(eyes.left.iris[0]);
  });

  it('sees the mirror image as the same eyes swapped, and leaks no tensors', async () => {
    const W = decoded.width;
    const mirrored = tf.reverse(image, 1) as tf.Tensor3D;
    const flipped = Float32Array.from(landmarks);
    // Mirror the points and swap the 68-point scheme's left/right eye corners.
    for (let k = 0; k < 68; k++) flipped[3 * k] = W - landmarks[3 * k];
    for (const [a, b] of [[36, 45], [39, 42], [37, 44], [38, 43], [40, 47], [41, 46]]) {
      for (let c = 0; c < 3; c++) {
        flipped[3 * a + c] = W * (c === 0 ? 1 : 0) + (c === 0 ? -1 : 1) * landmarks[3 * b + c];
        flipped[3 * b + c] = W * (c === 0 ? 1 : 0) + (c === 0 ? -1 : 1) * landmarks[3 * a + c];
      }
    }
    const before = tf.memory().numTensors;
    const a = await iris.estimate(image, landmarks);
    const b = await iris.estimate(mirrored, flipped);
    expect(tf.memory().numTensors).toBe(before);
    mirrored.dispose();
    expect(b.left.openness).toBeCloseTo(a.right.openness, 1);
    expect(b.right.openness).toBeCloseTo(a.left.openness, 1);
    expect(b.left.gazeX).toBeCloseTo(-a.right.gazeX, 1);
  });

  it('rejects bad input and use after dispose, with typed errors', async () => {
    await expect(iris.estimate(image, new Float32Array(10))).rejects.toBeInstanceOf(InvalidArgumentError);
    const other = await loadDefaultIrisLandmarker();
    other.dispose();
    other.dispose();
    await expect(other.estimate(image, landmarks)).rejects.toBeInstanceOf(DisposedError);
    await expect(loadDefaultIrisLandmarker({ model: '/nonexistent/iris.json' })).rejects.toBeInstanceOf(ModelLoadError);
  });
});

import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createPrnet, decodeImage, coreAssetPath, loadDefaultIrisLandmarker } from '@prnet/core/node';
import { arkitIndex } from './arkit.js';
import { useTestBackend } from '@prnet/core/testing';
import type { FaceReconstruction, Prnet } from '@prnet/core';
import { createBlendshapeEstimator } from './blendshape-estimator.js';
import { createFaceTracker } from './face-tracker.js';
import { shippedBasis } from './testing/ict-faces.js';

describe('face tracker with the shipped model (Node, wasm/cpu backend)', () => {
  it('detects, then tracks from the previous landmarks; tensors stay flat; skips while busy', async () => {
    await useTestBackend();
    const prnet = await createPrnet();
    try {
      const image = decodeImage(coreAssetPath('samples', 'sample-face.png'));
      const tracker = createFaceTracker({ prnet, estimator: createBlendshapeEstimator(shippedBasis(), prnet.layout) });
      const frames: number[] = [];
      tracker.onFrameObservable.add((f) => frames.push(f.yaw));
      expect(tracker.update(image)).toBe(true);
      expect(tracker.update(image)).toBe(false); // busy: skipped, not queued
      expect(tracker.stats.skipped).toBe(1);
      await tracker.whenIdle();
      expect(tracker.tracking).toBe(true);
      expect(tracker.stats.detections).toBe(1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) {
        expect(tracker.update(image)).toBe(true);
        await tracker.whenIdle();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(tracker.stats.detections).toBe(1); // tracked from landmarks, no new detection
      expect(frames).toHaveLength(11);
      expect(tracker.latest?.blendshapes).toHaveLength(52);
      // Calibrate once tracking has settled: the first tracked crops (from the detector's box, then
      // from the landmarks) take a few frames to converge on a still image.
      for (let i = 0; i < 3; i++) {
        tracker.update(image);
        await tracker.whenIdle();
      }
      expect(tracker.calibrate()).toBe(true);
      tracker.dispose();
      tracker.dispose();
      expect(() => tracker.update(image)).toThrow(/disposed/);
    } finally {
      prnet.dispose();
    }
  });

  it('with the iris landmarker: eye weights from the eyes, calibrated, with a flat tensor count', async () => {
    await useTestBackend();
    const prnet = await createPrnet();
    const iris = await loadDefaultIrisLandmarker();
    try {
      const image = decodeImage(coreAssetPath('samples', 'sample-face.png'));
      const tracker = createFaceTracker({ prnet, irisLandmarker: iris, solver: { mirror: false, smoothing: false } });
      tracker.update(image);
      await tracker.whenIdle();
      // Uncalibrated: the sample's open eyes read as open (default relaxed openness 0.25).
      const first = tracker.latest!.blendshapes;
      expect(first[arkitIndex('eyeBlinkLeft')]).toBeLessThan(0.3);
      expect(first[arkitIndex('eyeBlinkRight')]).toBeLessThan(0.3);
      // Calibrate once tracking has settled: the first tracked crops (from the detector's box, then
      // from the landmarks) take a few frames to converge on a still image.
      for (let i = 0; i < 3; i++) {
        tracker.update(image);
        await tracker.whenIdle();
      }
      expect(tracker.calibrate()).toBe(true);
      expect(tracker.solver.eyes.calibrated).toBe(true);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) {
        tracker.update(image);
        await tracker.whenIdle();
      }
      expect(tf.memory().numTensors).toBe(before);
      const f = tracker.latest!.blendshapes;
      for (const name of ['eyeBlinkLeft', 'eyeBlinkRight', 'eyeLookInLeft', 'eyeLookOutRight', 'eyeLookUpLeft', 'eyeLookDownRight']) {
        expect(f[arkitIndex(name)]).toBeLessThan(0.15); // the crop follows the previous landmarks: small jitter
      }
      tracker.dispose();
    } finally {
      iris.dispose();
      prnet.dispose();
    }
  });

  it('reports a lost face and detects again', async () => {
    let call = 0;
    const boxes: (unknown | undefined)[] = [];
    const face = {
      landmarks68: Float32Array.from({ length: 68 * 3 }, (_, i) => (i % 3 === 0 ? 100 + (i % 50) : i % 3 === 1 ? 100 + (i % 40) : 0)),
      vertices: new Float32Array(0),
      pose: { rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]) },
    } as unknown as FaceReconstruction;
    const prnet = {
      async reconstruct(_image: unknown, options?: { box?: unknown }) {
        boxes.push(options?.box);
        call++;
        if (call === 3) throw Object.assign(new Error('no face'), { code: 'NO_FACE' });
        return face;
      },
    } as unknown as Prnet;
    const image = { width: 320, height: 240, channels: 3 as const, data: new Uint8Array(320 * 240 * 3) };
    const tracker = createFaceTracker({ prnet });
    let lost = 0;
    tracker.onLostObservable.add(() => lost++);
    for (let i = 0; i < 4; i++) {
      tracker.update(image);
      await tracker.whenIdle();
    }
    expect(boxes[0]).toBeUndefined(); // detector
    expect(boxes[1]).toBeDefined(); // tracked
    expect(boxes[2]).toBeDefined(); // tracked, fails
    expect(boxes[3]).toBeUndefined(); // detector again
    expect(lost).toBe(1);
    expect(tracker.tracking).toBe(true);
  });
});

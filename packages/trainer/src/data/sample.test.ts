import { beforeAll, describe, expect, it } from 'vitest';
import { estimatePose } from '@prnet/core/geometry';
import { loadDefaultUvLayout } from '@prnet/core/node';
import type { UvLayout } from '@prnet/core';
import { findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { createSampleGenerator, type SampleGenerator } from './sample.js';
import { decodeSample, encodeSample } from './sample-codec.js';

const dataDir = findSharedDataDir();

describe.skipIf(!dataDir)('createSampleGenerator (needs ../shared/data; skipped when absent)', () => {
  let model: IctModel;
  let generator: SampleGenerator;
  let layout: UvLayout;
  beforeAll(() => {
    model = loadIctModel();
    generator = createSampleGenerator(model, { imageSize: 96, uvResolution: 128 });
    layout = loadDefaultUvLayout(128);
  });

  it('uses the same UV mask as core’s shipped 128 layout', () => {
    expect(Buffer.from(generator.mask).equals(Buffer.from(layout.mask))).toBe(true);
  });

  it('labels each sample consistently: landmarks at the layout’s landmark pixels, mean depth 0, recorded pose = estimatePose', () => {
    let poseError = 0;
    let frontalCount = 0;
    for (let i = 0; i < 16; i++) {
      const s = generator.generate(2024, i);
      expect(s.index).toBe(i);
      expect(s.image.width).toBe(96);
      // The 68 landmarks are the position map's values at the layout's landmark pixels.
      let lmError = 0;
      for (let k = 0; k < 68; k++) {
        for (let c = 0; c < 3; c++) {
          lmError = Math.max(lmError, Math.abs(s.positionMap[layout.landmarkPixels[k] * 3 + c] - s.landmarks68[k * 3 + c]));
        }
      }
      expect(lmError).toBeLessThan(1e-3);
      let meanZ = 0;
      for (const p of layout.vertexPixels) meanZ += s.positionMap[p * 3 + 2];
      expect(Math.abs(meanZ / layout.vertexPixels.length)).toBeLessThan(1e-3);
      if (Math.abs(s.pose.yaw) < 60) {
        const pose = estimatePose(s.positionMap, layout);
        poseError += Math.abs(pose.yaw - s.pose.yaw) + Math.abs(pose.pitch - s.pose.pitch) + Math.abs(pose.roll - s.pose.roll);
        frontalCount++;
      }
    }
    expect(frontalCount).toBeGreaterThan(5);
    // Shape and expression differ from the mean face, so a few degrees remain (mean over 3 angles).
    expect(poseError / frontalCount / 3).toBeLessThan(3);
  });

  it('is a pure function of (dataset seed, index) and survives the codec within 0.01 px', () => {
    const a = generator.generate(7, 3);
    const other = createSampleGenerator(model, { imageSize: 96, uvResolution: 128 });
    other.generate(7, 99);
    const b = other.generate(7, 3);
    expect(Buffer.from(b.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    expect(Buffer.from(b.positionMap.buffer).equals(Buffer.from(a.positionMap.buffer))).toBe(true);
    const back = decodeSample(encodeSample(a, generator.mask), 128, 'test');
    let maxError = 0;
    for (let i = 0; i < a.positionMap.length; i++) maxError = Math.max(maxError, Math.abs(back.positionMap[i] - a.positionMap[i]));
    expect(maxError).toBeLessThan(0.01);
  });
});

import { describe, expect, it } from 'vitest';
import { faceBoxFromDetection } from '@prnet/core';
import { boxIou, boxResidual, calibrationFromResiduals, matchDetection, yawBinOf } from './detector-box.js';

describe('detector-box calibration helpers', () => {
  it('bins yaw like the NME protocol', () => {
    expect([0, -30, 30.1, 60, -61].map(yawBinOf)).toEqual(['[0,30]', '[0,30]', '(30,60]', '(30,60]', '>60']);
  });

  it('recovers a known detector → landmark-box relation', () => {
    // truth = detector box shifted down 10% and shrunk to 90% × 80%
    const truthOf = (x0: number, y0: number, s: number) =>
      faceBoxFromDetection({ box: [x0, y0, x0 + s, y0 + s] }, { centreX: 0, centreY: 0.1, scaleX: 0.9, scaleY: 0.8 });
    const residuals = [
      [10, 20, 100],
      [50, 5, 40],
      [0, 0, 250],
    ].map(([x, y, s]) => boxResidual([x, y, x + s, y + s], truthOf(x, y, s)));
    const c = calibrationFromResiduals(residuals);
    expect(c.centreX).toBeCloseTo(0, 9);
    expect(c.centreY).toBeCloseTo(0.1, 9);
    expect(c.scaleX).toBeCloseTo(0.9, 9);
    expect(c.scaleY).toBeCloseTo(0.8, 9);
  });

  it('matches the detection that overlaps the truth most', () => {
    const truth = [0, 0, 10, 10] as const;
    const faces = [
      { box: [20, 20, 30, 30] as const, score: 0.99, keypoints: [] },
      { box: [1, 1, 11, 11] as const, score: 0.6, keypoints: [] },
    ];
    expect(matchDetection(faces, truth)).toBe(faces[1]);
    expect(matchDetection(faces.slice(0, 1), truth)).toBeUndefined();
    expect(boxIou(truth, [5, 0, 15, 10])).toBeCloseTo(1 / 3, 9);
  });
});

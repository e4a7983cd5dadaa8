import { describe, expect, it } from 'vitest';
import { DETECTOR_KEYPOINT_FEATURES, faceBoxFromDetection, type Box } from '@prnet/core';
import {
  boxIou,
  boxResidual,
  calibrationFromResiduals,
  crossValidatedBoxes,
  fitLeastAbsolute,
  keypointCalibration,
  matchDetection,
  yawBinOf,
  type DetectionSample,
} from './detector-box.js';

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

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('keypoint calibration', () => {
  it('least absolute deviations recover a line despite gross outliers', () => {
    const rand = lcg(7);
    const x: Float64Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t = rand() * 2 - 1;
      x.push(Float64Array.of(1, t));
      // y = 0.3 − 0.8 t, and every fifth point thrown far off
      y.push(0.3 - 0.8 * t + (i % 5 === 0 ? 5 * (rand() + 0.5) : 0));
    }
    const beta = fitLeastAbsolute(x, y, new Array(60).fill(1), 0);
    expect(beta[0]).toBeCloseTo(0.3, 2);
    expect(beta[1]).toBeCloseTo(-0.8, 2);
    expect(() => fitLeastAbsolute([], [], [])).toThrow();
  });

  it('recovers a detector whose box lags behind the nose, and cross-validated boxes find the truth', () => {
    // Synthetic detections: the true landmark box is shifted along x by 0.4 × noseX box widths
    // (a profile's nose leaves a box that stays on the head) and is 0.9 × the detector box.
    const rand = lcg(11);
    const samples: DetectionSample[] = [];
    for (let i = 0; i < 90; i++) {
      const side = 100 + 100 * rand();
      const [x0, y0] = [300 * rand(), 300 * rand()];
      const box: Box = [x0, y0, x0 + side, y0 + side];
      const cx = x0 + side / 2;
      const cy = y0 + side / 2;
      const noseX = (rand() - 0.5) * 1.2;
      // every keypoint coordinate but the nose's x jitters independently (so the features are not collinear)
      const jitter = () => (rand() - 0.5) * 0.06;
      const at = (fx: number, fy: number, exact = false): [number, number] => [cx + (fx + (exact ? 0 : jitter())) * side, cy + (fy + jitter()) * side];
      const keypoints = [at(-0.2 + noseX / 3, -0.1), at(0.2 + noseX / 3, -0.1), at(noseX, 0.05, true), at(noseX / 2, 0.25), at(-0.45, 0), at(0.45, 0)];
      const shift = 0.4 * noseX;
      const truth: Box = [cx + (shift - 0.45) * side, cy + (0.05 - 0.45) * side, cx + (shift + 0.45) * side, cy + (0.05 + 0.45) * side];
      samples.push({ face: { box, keypoints }, truth, bin: yawBinOf(noseX * 150) });
    }
    const calibration = keypointCalibration(samples, 0);
    const terms = calibration.keypointTerms!;
    for (const t of [terms.centreX, terms.centreY, terms.logScaleX, terms.logScaleY]) expect(t).toHaveLength(DETECTOR_KEYPOINT_FEATURES.length + 1);
    const centreError = (box: Box, s: DetectionSample) =>
      Math.hypot(box[0] + box[2] - s.truth[0] - s.truth[2], box[1] + box[3] - s.truth[1] - s.truth[3]) / 2 / (s.truth[2] - s.truth[0]);
    const cv = crossValidatedBoxes(samples, 0);
    const worst = Math.max(...samples.map((s, i) => centreError(cv[i], s)));
    expect(worst).toBeLessThan(1e-3);
    // the constant terms alone (medians; used without keypoints) are off by up to ~0.24 box widths
    const constant = Math.max(...samples.map((s) => centreError(faceBoxFromDetection({ box: s.face.box }, calibration), s)));
    expect(constant).toBeGreaterThan(0.1);
  });
});

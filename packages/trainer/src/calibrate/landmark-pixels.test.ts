import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@prnet/core';
import {
  binTable,
  blendedSampleNme,
  calibrateLandmarkPixels,
  calibrateProfileLandmarkPixels,
  crossValidateLandmarkCalibration,
  crossValidateProfileCalibration,
  sampleNme,
  type CalibrationSample,
} from './landmark-pixels.js';
import type { YawBin } from '../eval/metrics.js';

const R = 32;
const mask = new Uint8Array(R * R).fill(1);
/** Three "landmarks" whose layout pixels are off the convention's by known grid offsets. */
const start = Uint32Array.from([5 * R + 5, 10 * R + 20, 25 * R + 12]);
const truthPixel = Uint32Array.from([7 * R + 4, 10 * R + 20, 22 * R + 15]);

/** A position map that puts UV pixel (x, y) at image (s·x + ox, s·y + oy), plus noise at the truth. */
function sample(seed: number, bin: YawBin): CalibrationSample {
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const s = 3 + rand();
  const [ox, oy] = [40 + 10 * rand(), 30 + 10 * rand()];
  const positionMap = new Float32Array(R * R * 3);
  for (let p = 0; p < R * R; p++) {
    positionMap[p * 3] = s * (p % R) + ox;
    positionMap[p * 3 + 1] = s * Math.floor(p / R) + oy;
  }
  const truth = new Float32Array(start.length * 3);
  truthPixel.forEach((p, k) => {
    truth[k * 3] = positionMap[p * 3] + 0.3 * rand();
    truth[k * 3 + 1] = positionMap[p * 3 + 1] + 0.3 * rand();
  });
  return { positionMap, truth, norm: 30 * s, bin };
}

const bins: YawBin[] = ['[0,30]', '(30,60]', '>60'];
const samples = Array.from({ length: 30 }, (_, i) => sample(i + 1, bins[i % 3]));

describe('landmark-pixel calibration', () => {
  it('finds the pixels of the annotation convention within the radius', () => {
    expect(Array.from(calibrateLandmarkPixels(samples, start, mask, R, 4))).toEqual(Array.from(truthPixel));
    // A radius too small to reach a landmark's true pixel stops at the nearest it can reach.
    const near = calibrateLandmarkPixels(samples, start, mask, R, 1);
    expect(near[1]).toBe(truthPixel[1]);
    expect([near[0] % R, Math.floor(near[0] / R)]).toEqual([4, 6]);
    // Radius 0 keeps the layout's pixels.
    expect(Array.from(calibrateLandmarkPixels(samples, start, mask, R, 0))).toEqual(Array.from(start));
  });

  it('keeps landmark pixels distinct and inside the mask', () => {
    // Two landmarks that both want the same pixel: the second takes the next best.
    const twin = Uint32Array.from([start[1], start[1] + 1]);
    const twinSamples = samples.map((s) => ({ ...s, truth: Float32Array.from([...s.truth.subarray(3, 6), ...s.truth.subarray(3, 6)]) }));
    const got = calibrateLandmarkPixels(twinSamples, twin, mask, R, 2);
    expect(got[0]).toBe(truthPixel[1]);
    expect(got[1]).not.toBe(got[0]);
    const holed = new Uint8Array(mask);
    holed[truthPixel[0]] = 0;
    expect(calibrateLandmarkPixels(samples, start, holed, R, 4)[0]).not.toBe(truthPixel[0]);
  });

  it('scores NME per bin and cross-validates on halves', () => {
    const exact = samples.map((s) => sampleNme(s, truthPixel));
    expect(Math.max(...exact)).toBeLessThan(1); // only the 0.3 px annotation noise
    const table = binTable(samples, samples.map((s) => sampleNme(s, start)));
    expect(Object.keys(table.bins)).toEqual(bins);
    expect(table.mean).toBeGreaterThan(5);
    const cv = crossValidateLandmarkCalibration(samples, start, mask, R, 4);
    expect(binTable(samples, cv.after).mean).toBeLessThan(1);
    expect(cv.before).toEqual(samples.map((s) => sampleNme(s, start)));
    expect(cv.foldDisagreementPx).toBe(0);
  });

  it('rejects empty input and bad radii', () => {
    expect(() => calibrateLandmarkPixels([], start, mask, R)).toThrow(InvalidArgumentError);
    expect(() => calibrateLandmarkPixels(samples, start, mask, R, -1)).toThrow(InvalidArgumentError);
  });
});

describe('profile landmark calibration', () => {
  // UV mirror: column x ↔ R − 1 − x. Landmarks 0 ↔ 1 are a left–right pair, 2 is on the midline.
  const mirror = Int32Array.from({ length: R * R }, (_, p) => Math.floor(p / R) * R + (R - 1 - (p % R)));
  const landmarkMirror = [1, 0, 2];
  const at = (x: number, y: number) => y * R + x;
  const frontStart = Uint32Array.from([at(10, 12), at(21, 12), at(15, 20)]);
  const frontTruth = Uint32Array.from([at(9, 13), at(22, 13), at(15, 21)]);
  // Where the convention puts the points once the nose turns towards the image's left (yaw > 0).
  const profileTruth = Uint32Array.from([at(6, 11), at(20, 14), at(13, 22)]);

  /** A face whose annotated point k lies at UV pixel pixels[k] of its position map (plus noise). */
  function face(seed: number, pixels: ArrayLike<number>, yaw: number, bin: YawBin): CalibrationSample {
    const base = sample(seed, bin);
    let state = seed * 7 + 1;
    const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
    const truth = new Float32Array(9);
    for (let k = 0; k < 3; k++) {
      truth[k * 3] = base.positionMap[pixels[k] * 3] + 0.3 * rand();
      truth[k * 3 + 1] = base.positionMap[pixels[k] * 3 + 1] + 0.3 * rand();
    }
    return { ...base, truth, yaw };
  }
  // A face turned the other way shows landmark j where the mirror of the profile pixel of j's partner is.
  const mirroredTruth = Uint32Array.from([0, 1, 2], (j) => mirror[profileTruth[landmarkMirror[j]]]);
  const frontal = Array.from({ length: 12 }, (_, i) => face(i + 1, frontTruth, (i % 5) * 6 - 12, '[0,30]'));
  const right = Array.from({ length: 6 }, (_, i) => face(i + 50, profileTruth, 55 + i, i % 2 ? '>60' : '(30,60]'));
  const left = Array.from({ length: 6 }, (_, i) => face(i + 80, mirroredTruth, -55 - i, i % 2 ? '>60' : '(30,60]'));
  const options = { mirror, landmarkMirror, yawThreshold: 40, blendHalfWidth: 10, radius: 5 };
  // Faces inside the blend (|yaw| 40°: weight 0.5) annotated halfway between the two definitions.
  const middle = [40, -40, 40, -40, 40, -40].map((yaw, i) => {
    const s = face(i + 120, frontTruth, yaw, '(30,60]');
    const other = face(i + 120, yaw > 0 ? profileTruth : mirroredTruth, yaw, '(30,60]');
    const truth = s.truth.map((v, c) => 0.5 * (v + other.truth[c]));
    return { ...s, truth };
  });

  it('finds the profile pixels from faces turned either way, the other side through the mirror', () => {
    for (const fit of [[...right, ...left], left, right, middle]) {
      const profile = calibrateProfileLandmarkPixels([...frontal, ...fit], frontStart, frontTruth, mask, R, options);
      expect(Array.from(profile.pixels)).toEqual(Array.from(profileTruth));
      expect(Array.from(profile.mirroredPixels)).toEqual(Array.from(mirroredTruth));
      expect(profile.blendYawDegrees).toEqual([30, 50]);
    }
  });

  it('scores turned faces with the profile set, frontal ones with the frontal set, and cross-validates', () => {
    const all = [...frontal, ...right, ...left].map((s, i, a) => a[(i * 7) % a.length]); // mix the folds
    const profile = calibrateProfileLandmarkPixels(all, frontStart, frontTruth, mask, R, options);
    for (const s of frontal) expect(blendedSampleNme(s, frontTruth, profile)).toBeCloseTo(sampleNme(s, frontTruth), 6);
    for (const s of [...right, ...left]) {
      expect(blendedSampleNme(s, frontTruth, profile)).toBeLessThan(1);
      expect(sampleNme(s, frontTruth)).toBeGreaterThan(5);
    }
    const withProfile = crossValidateProfileCalibration(all, frontStart, mask, R, options);
    const frontalOnly = crossValidateLandmarkCalibration(all, frontStart, mask, R, 5).after;
    expect(binTable(all, withProfile).mean).toBeLessThan(1);
    expect(binTable(all, frontalOnly).mean).toBeGreaterThan(2);
  });

  it('needs every yaw, at least one turned face and a depth weight in [0, 1]', () => {
    expect(() => calibrateProfileLandmarkPixels(right, frontStart, frontTruth, mask, R, { ...options, depthWeight: 2 })).toThrow(/depthWeight/);
    expect(() => calibrateProfileLandmarkPixels(frontal, frontStart, frontTruth, mask, R, options)).toThrow(/no sample turned/);
    const { yaw: _drop, ...noYaw } = right[0];
    expect(() => calibrateProfileLandmarkPixels([noYaw, ...right], frontStart, frontTruth, mask, R, options)).toThrow(/yaw/);
    expect(() => calibrateProfileLandmarkPixels(right, frontStart, frontTruth, mask, R, { ...options, landmarkMirror: [0, 1] })).toThrow(InvalidArgumentError);
  });
});

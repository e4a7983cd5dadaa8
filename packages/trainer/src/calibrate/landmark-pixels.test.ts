import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@prnet/core';
import {
  binTable,
  calibrateLandmarkPixels,
  crossValidateLandmarkCalibration,
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

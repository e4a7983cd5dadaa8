import { describe, expect, it } from 'vitest';
import { boxOfPoints } from '@prnet/core/geometry';
import { angleError, binWeights, nme68, quantile, summarise, yawBin, type SampleOutcome } from './metrics.js';

/** 68 points spread over the box [0, 0, 100, 100] (corners included), z varying. */
function gridFace(): Float32Array {
  const points = new Float32Array(68 * 3);
  for (let i = 0; i < 68; i++) {
    points[3 * i] = i === 0 ? 0 : i === 1 ? 100 : (i * 37) % 101;
    points[3 * i + 1] = i === 0 ? 0 : i === 1 ? 100 : (i * 53) % 101;
    points[3 * i + 2] = (i * 7) % 13;
  }
  return points;
}

function shifted(points: Float32Array, dx: number, dy: number, dz: number): Float32Array {
  const out = new Float32Array(points);
  for (let i = 0; i < 68; i++) {
    out[3 * i] += dx;
    out[3 * i + 1] += dy;
    out[3 * i + 2] += dz;
  }
  return out;
}

describe('nme68', () => {
  const gt = gridFace();
  const box = boxOfPoints(gt);

  it('the ground-truth box of the test face is 100 × 100', () => {
    expect(box).toEqual([0, 0, 100, 100]);
  });

  it('gives 2 % for a prediction offset by exactly 2 px in x on a 100 × 100 box', () => {
    const { nme2d, nme3d } = nme68(shifted(gt, 2, 0, 0), gt, box);
    expect(nme2d).toBeCloseTo(2, 10);
    expect(nme3d).toBeCloseTo(2, 10);
  });

  it('uses the 2D distance (3, 4 → 5 px = 5 %) and normalises by sqrt(w·h)', () => {
    expect(nme68(shifted(gt, 3, 4, 0), gt, box).nme2d).toBeCloseTo(5, 10);
    // A 400 × 100 box: sqrt = 200 → 5 px is 2.5 %.
    expect(nme68(shifted(gt, 3, 4, 0), gt, [0, 0, 400, 100]).nme2d).toBeCloseTo(2.5, 10);
  });

  it('ignores a constant depth offset in 3D but counts depth that varies', () => {
    const offset = nme68(shifted(gt, 0, 0, 40), gt, box);
    expect(offset.nme2d).toBe(0);
    expect(offset.nme3d).toBeCloseTo(0, 5);
    // z error +6 on half the points, −2 on the other half: mean +2, residual ±4 → 4 %.
    const pred = new Float32Array(gt);
    for (let i = 0; i < 68; i++) pred[3 * i + 2] += i % 2 === 0 ? 6 : -2;
    const varied = nme68(pred, gt, box);
    expect(varied.nme2d).toBe(0);
    expect(varied.nme3d).toBeCloseTo(4, 5);
  });

  it('averages per-point errors (one point 68 px off → 1 %)', () => {
    const pred = new Float32Array(gt);
    pred[3 * 10 + 1] += 68;
    expect(nme68(pred, gt, box).nme2d).toBeCloseTo(1, 10);
  });

  it('rejects wrong lengths and an empty box', () => {
    expect(() => nme68(new Float32Array(10), gt, box)).toThrow(/68×3/);
    expect(() => nme68(gt, gt, [5, 5, 5, 9])).toThrow(/no area/);
  });
});

describe('yawBin / angleError / quantile', () => {
  it('bins |yaw| with closed upper edges', () => {
    expect(yawBin(0)).toBe('[0,30]');
    expect(yawBin(30)).toBe('[0,30]');
    expect(yawBin(-30.01)).toBe('(30,60]');
    expect(yawBin(60)).toBe('(30,60]');
    expect(yawBin(60.5)).toBe('>60');
    expect(yawBin(-95)).toBe('>60');
  });

  it('wraps angle differences', () => {
    expect(angleError(10, -5)).toBe(15);
    expect(angleError(179, -179)).toBe(2);
    expect(angleError(-90, 90)).toBe(180);
  });

  it('interpolates quantiles', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 10);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('binWeights', () => {
  it('weighs each yaw bin present equally, whatever its size', () => {
    const w = Array.from(binWeights(['[0,30]', '[0,30]', '[0,30]', '>60']));
    expect(w[0]).toBeCloseTo(1 / 6, 12);
    expect(w[3]).toBeCloseTo(1 / 2, 12);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('summarise', () => {
  const s = (
    yaw: number,
    nme2d: number | undefined,
    gtAngles: [number, number, number],
    predAngles?: [number, number, number],
    ms?: number,
  ): SampleOutcome => ({
    yawBin: yawBin(yaw),
    detected: nme2d !== undefined,
    nme2d,
    nme3d: nme2d === undefined ? undefined : 2 * nme2d,
    gtAngles,
    predAngles,
    ms,
  });

  const samples = [
    s(5, 2, [0, 5, 0], [1, 5, 0], 10),
    s(-10, 4, [0, -10, 0], [0, -12, 3], 20),
    s(45, 6, [0, 45, 0], [0, 40, 0], 30),
    s(80, 10, [120, 80, 0], [0, 80, 0], 40), // pitch beyond ±99°: excluded from the pose MAE
    s(70, undefined, [0, 70, 0]), // undetected
  ];
  const summary = summarise(samples, { cedThresholds: [0, 3, 5, 10] });

  it('gives per-bin means, their mean (the headline) and the overall mean', () => {
    expect(summary.bins['[0,30]']).toEqual({ count: 2, detected: 2, nme2d: 3, nme3d: 6 });
    expect(summary.bins['(30,60]']).toEqual({ count: 1, detected: 1, nme2d: 6, nme3d: 12 });
    expect(summary.bins['>60']).toEqual({ count: 2, detected: 1, nme2d: 10, nme3d: 20 });
    expect(summary.mean.nme2d).toBeCloseTo((3 + 6 + 10) / 3, 10);
    expect(summary.mean.nme3d).toBeCloseTo((6 + 12 + 20) / 3, 10);
    expect(summary.mean.binsUsed).toBe(3);
    expect(summary.overall.nme2d).toBeCloseTo((2 + 4 + 6 + 10) / 4, 10);
  });

  it('computes head-pose MAE over detected samples with |angles| ≤ 99°', () => {
    expect(summary.pose.count).toBe(3);
    expect(summary.pose.pitch).toBeCloseTo(1 / 3, 10);
    expect(summary.pose.yaw).toBeCloseTo((0 + 2 + 5) / 3, 10);
    expect(summary.pose.roll).toBeCloseTo(1, 10);
    expect(summary.pose.mean).toBeCloseTo((1 / 3 + 7 / 3 + 1) / 3, 10);
  });

  it('reports the detection rate, CED over all samples and the time per face', () => {
    expect(summary.count).toBe(5);
    expect(summary.detected).toBe(4);
    expect(summary.detectionRate).toBe(0.8);
    expect(summary.ced.thresholds).toEqual([0, 3, 5, 10]);
    expect(summary.ced.nme2d).toEqual([0, 0.2, 0.4, 0.8]);
    expect(summary.ced.nme3d).toEqual([0, 0, 0.2, 0.4]);
    expect(summary.ms.median).toBe(25);
    expect(summary.ms.mean).toBe(25);
  });

  it('takes the headline mean over the bins that have samples', () => {
    const partial = summarise([s(5, 2, [0, 5, 0]), s(50, 4, [0, 50, 0])]);
    expect(partial.mean.binsUsed).toBe(2);
    expect(partial.mean.nme2d).toBe(3);
    expect(partial.bins['>60'].nme2d).toBeNaN();
    expect(partial.pose.count).toBe(0);
    expect(partial.pose.mean).toBeNaN();
  });
});

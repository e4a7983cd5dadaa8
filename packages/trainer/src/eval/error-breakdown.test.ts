import { describe, expect, it } from 'vitest';
import { boxOfPoints } from '@prnet/core/geometry';
import { LANDMARK_REGION_NAMES, LANDMARK_REGIONS, nmeBreakdown } from './error-breakdown.js';
import { nme68, summarise, yawBin, type SampleOutcome } from './metrics.js';

/** A face-like 68-point set on a 100 × 100 box: jaw arc, brows, nose line, eye rings, mouth ring. */
function face(): Float32Array {
  const p: number[][] = [];
  for (let i = 0; i < 17; i++) {
    const t = Math.PI * (i / 16);
    p.push([50 - 50 * Math.cos(t), 40 + 60 * Math.sin(t)]);
  }
  for (let i = 0; i < 10; i++) p.push([12 + 8 * i + (i >= 5 ? 4 : 0), i < 5 ? 28 - 3 * Math.sin((Math.PI * i) / 4) : 28 - 3 * Math.sin((Math.PI * (i - 5)) / 4)]);
  for (let i = 0; i < 9; i++) p.push(i < 4 ? [50, 38 + 8 * i] : [38 + 6 * (i - 4), 72]);
  for (let e = 0; e < 2; e++) {
    for (let i = 0; i < 6; i++) p.push([30 + 40 * e + 8 * Math.cos((Math.PI * i) / 3), 42 + 4 * Math.sin((Math.PI * i) / 3)]);
  }
  for (let i = 0; i < 20; i++) p.push([50 + (i < 12 ? 18 : 10) * Math.cos((2 * Math.PI * i) / 12), 85 + (i < 12 ? 6 : 3) * Math.sin((2 * Math.PI * i) / 12)]);
  return Float32Array.from(p.flatMap(([x, y], i) => [x, y, (i * 7) % 13]));
}

/** Every point through x' = s·R(θ)·(x − c) + c + t. */
function transformed(points: Float32Array, degrees: number, s: number, tx: number, ty: number, c = [50, 50]): Float32Array {
  const out = new Float32Array(points);
  const [cos, sin] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
  for (let i = 0; i < 68; i++) {
    const x = points[3 * i] - c[0];
    const y = points[3 * i + 1] - c[1];
    out[3 * i] = s * (cos * x - sin * y) + c[0] + tx;
    out[3 * i + 1] = s * (sin * x + cos * y) + c[1] + ty;
  }
  return out;
}

describe('nmeBreakdown', () => {
  const gt = face();
  const box = boxOfPoints(gt, 3);

  it('the regions cover the 68 points once, in order', () => {
    const covered = LANDMARK_REGION_NAMES.flatMap((r) => {
      const [from, to] = LANDMARK_REGIONS[r];
      return Array.from({ length: to - from }, (_, k) => from + k);
    });
    expect(covered).toEqual(Array.from({ length: 68 }, (_, i) => i));
  });

  it('a shifted prediction: every region at the shift, nothing left once translated', () => {
    const norm = Math.sqrt((box[2] - box[0]) * (box[3] - box[1]));
    const b = nmeBreakdown(transformed(gt, 0, 1, 3, 4), gt, box);
    for (const r of LANDMARK_REGION_NAMES) expect(b.regions[r]).toBeCloseTo((100 * 5) / norm, 4);
    expect(b.translated).toBeCloseTo(0, 4);
    expect(b.similarity).toBeCloseTo(0, 4);
  });

  it('a turned, scaled and shifted prediction: the translation leaves error, the similarity none', () => {
    const pred = transformed(gt, 12, 1.1, -4, 2, [30, 60]);
    const b = nmeBreakdown(pred, gt, box);
    expect(b.translated).toBeGreaterThan(5);
    expect(b.translated).toBeLessThan(nme68(pred, gt, box).nme2d);
    expect(b.similarity).toBeCloseTo(0, 4);
  });

  it('an error in the mouth alone: other regions zero, the translation spreads it', () => {
    const pred = new Float32Array(gt);
    for (let i = 48; i < 68; i++) pred[3 * i] += 2;
    const norm = Math.sqrt((box[2] - box[0]) * (box[3] - box[1]));
    const b = nmeBreakdown(pred, gt, box);
    expect(b.regions.mouth).toBeCloseTo((100 * 2) / norm, 4);
    for (const r of ['jaw', 'brows', 'nose', 'eyes'] as const) expect(b.regions[r]).toBe(0);
    // the centroid moves by δ = 2·20/68: 20 points are left 2 − δ off, 48 points δ off
    const delta = 40 / 68;
    expect(b.translated).toBeCloseTo((100 * (20 * (2 - delta) + 48 * delta)) / 68 / norm, 4);
    expect(nme68(pred, gt, box).nme2d).toBeCloseTo((100 * 40) / 68 / norm, 4);
  });

  it('does not remove a mirror image (no reflection in the similarity)', () => {
    const mirrored = new Float32Array(gt);
    for (let i = 0; i < 68; i++) mirrored[3 * i] = 100 - gt[3 * i];
    const b = nmeBreakdown(mirrored, gt, box);
    expect(b.similarity).toBeGreaterThan(1);
  });

  it('rejects wrong sizes and empty boxes', () => {
    expect(() => nmeBreakdown(new Float32Array(10), gt, box)).toThrow(/68×3/);
    expect(() => nmeBreakdown(gt, gt, [5, 5, 5, 9])).toThrow(/no area/);
  });

  it('summarise averages breakdowns per bin and over the bins; none without breakdowns', () => {
    const sample = (yaw: number, dx: number): SampleOutcome => {
      const pred = transformed(gt, 0, 1, dx, 0);
      return { yawBin: yawBin(yaw), detected: true, ...nme68(pred, gt, box), gtAngles: [0, yaw, 0], breakdown: nmeBreakdown(pred, gt, box) };
    };
    const summary = summarise([sample(5, 1), sample(10, 3), sample(45, 2), sample(80, 4)]);
    const norm = Math.sqrt((box[2] - box[0]) * (box[3] - box[1]));
    expect(summary.breakdown!.bins['[0,30]'].regions.jaw).toBeCloseTo((100 * 2) / norm, 4);
    expect(summary.breakdown!.bins['>60'].regions.eyes).toBeCloseTo((100 * 4) / norm, 4);
    expect(summary.breakdown!.mean.regions.nose).toBeCloseTo((100 * 8) / 3 / norm, 4);
    expect(summary.breakdown!.mean.translated).toBeCloseTo(0, 4);
    const frontalOnly = summarise([sample(5, 1)]).breakdown!;
    expect(frontalOnly.bins['>60'].regions.jaw).toBeNaN();
    expect(frontalOnly.mean.regions.jaw).toBeCloseTo((100 * 1) / norm, 4);
    expect(summarise([{ yawBin: '[0,30]', detected: true, nme2d: 1, nme3d: 1, gtAngles: [0, 0, 0] }]).breakdown).toBeUndefined();
  });
});

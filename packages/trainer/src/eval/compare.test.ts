import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '@prnet/core';
import { createRng, gaussian } from '../render/procedural.js';
import { runCompareCommand } from './compare-command.js';
import { comparePaired, parseEvalReport, type EvalReport, type ReportSample } from './compare.js';
import { summarise, yawBin, type YawBin } from './metrics.js';

/** A report of `errors.length` images; image i has |yaw| `yaws[i]` and NME 2D `errors[i]` (3D: twice it). */
function report(errors: number[], yaws: number[], options: { predAngles?: (i: number) => number[]; detected?: (i: number) => boolean } = {}): EvalReport {
  return {
    model: 'test',
    protocol: 'gt-box',
    samples: errors.map((e, i): ReportSample => {
      const detected = options.detected?.(i) ?? true;
      return {
        image: `image${i}.jpg`,
        yawBin: yawBin(yaws[i]),
        detected,
        nme2d: detected ? e : undefined,
        nme3d: detected ? 2 * e : undefined,
        gtAngles: [0, yaws[i], 0],
        predAngles: detected ? (options.predAngles?.(i) ?? [1, yaws[i] + 2, 3]) : undefined,
      };
    }),
  };
}

/** 60 frontal, 25 half-profile and 15 profile images with errors around 3, 5 and 6 %. */
function devLike(seed: number) {
  const rng = createRng(seed);
  const yaws = Array.from({ length: 100 }, (_, i) => (i < 60 ? 10 : i < 85 ? 45 : 75));
  const base = yaws.map((y) => (y < 30 ? 3 : y < 60 ? 5 : 6) + 0.8 * gaussian(rng));
  return { rng, yaws, base };
}

describe('comparePaired', () => {
  it('gives zero difference with a zero-width interval for identical reports', () => {
    const { yaws, base } = devLike(1);
    const c = comparePaired(report(base, yaws), report(base, yaws), { resamples: 500 });
    expect(c.mean.diff).toBe(0);
    expect(c.mean.interval).toEqual([0, 0]);
    expect(c.tied).toBe(1);
    expect(c.better).toBe(0);
    expect(c.resampledNotBetter).toBe(1);
  });

  it('finds a uniform gain exactly, and its means equal summarise()', () => {
    const { yaws, base } = devLike(2);
    const a = report(base, yaws);
    const b = report(base.map((e) => e - 0.25), yaws);
    const c = comparePaired(a, b, { resamples: 500 });
    expect(c.mean.diff).toBeCloseTo(-0.25, 12);
    expect(c.mean.interval[0]).toBeCloseTo(-0.25, 12);
    expect(c.mean.interval[1]).toBeCloseTo(-0.25, 12);
    expect(c.better).toBe(1);
    expect(c.resampledNotBetter).toBe(0);
    for (const bin of ['[0,30]', '(30,60]', '>60'] as YawBin[]) expect(c.bins[bin].diff).toBeCloseTo(-0.25, 12);
    const summary = summarise(
      a.samples.map((s) => ({ yawBin: s.yawBin, detected: true, nme2d: s.nme2d!, nme3d: s.nme3d!, gtAngles: [0, 0, 0] as const })),
    );
    expect(c.mean.a).toBeCloseTo(summary.mean.nme2d, 12);
    expect(c.bins['>60'].a).toBeCloseTo(summary.bins['>60'].nme2d, 12);
    expect(c.mean.count).toBe(100);
  });

  it('weights the bins equally, not the images', () => {
    // 60 frontal images 1 point better, 25 half-profiles 1 point worse, 15 profiles unchanged:
    // per image B is better on 60 %, but the mean of bins does not move.
    const { yaws, base } = devLike(3);
    const b = base.map((e, i) => e + (yaws[i] < 30 ? -1 : yaws[i] < 60 ? 1 : 0));
    const c = comparePaired(report(base, yaws), report(b, yaws), { resamples: 500 });
    expect(c.mean.diff).toBeCloseTo(0, 12);
    expect(c.better).toBeCloseTo(0.6, 12);
    expect(c.bins['[0,30]'].diff).toBeCloseTo(-1, 12);
    expect(c.bins['(30,60]'].diff).toBeCloseTo(1, 12);
  });

  it('gives an interval as wide as the paired differences’ standard error, reproducibly', () => {
    // One bin of 400 images whose differences are N(−0.3, 1): the mean's standard error is 0.05,
    // so the 95 % interval is close to ±1.96 × 0.05 around the observed difference.
    const rng = createRng(4);
    const n = 400;
    const yaws = new Array(n).fill(5);
    const a = Array.from({ length: n }, () => 4 + gaussian(rng));
    const d = Array.from({ length: n }, () => -0.3 + gaussian(rng));
    const b = a.map((e, i) => e + d[i]);
    const mean = d.reduce((x, y) => x + y, 0) / n;
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1));
    const c = comparePaired(report(a, yaws), report(b, yaws), { resamples: 4000, seed: 9 });
    expect(c.mean.binsUsed).toBe(1);
    expect(c.mean.diff).toBeCloseTo(mean, 12);
    const half = (1.96 * sd) / Math.sqrt(n);
    expect(c.mean.interval[0]).toBeGreaterThan(mean - 1.15 * half);
    expect(c.mean.interval[0]).toBeLessThan(mean - 0.85 * half);
    expect(c.mean.interval[1]).toBeGreaterThan(mean + 0.85 * half);
    expect(c.mean.interval[1]).toBeLessThan(mean + 1.15 * half);
    expect(c.resampledNotBetter).toBeLessThan(0.01);
    const again = comparePaired(report(a, yaws), report(b, yaws), { resamples: 4000, seed: 9 });
    expect(again.mean.interval).toEqual(c.mean.interval);
    const otherSeed = comparePaired(report(a, yaws), report(b, yaws), { resamples: 4000, seed: 10 });
    expect(otherSeed.mean.interval).not.toEqual(c.mean.interval);
  });

  it('compares NME 3D and the head-pose MAE', () => {
    const { yaws, base } = devLike(5);
    // A reads every angle 1°, 2°, 3° off (MAE 2°); B exactly.
    const b = report(base, yaws, { predAngles: (i) => [0, yaws[i], 0] });
    const c = comparePaired(report(base, yaws), b, { metric: 'nme3d', resamples: 500 });
    expect(c.metric).toBe('nme3d');
    expect(c.mean.a).toBeCloseTo(2 * comparePaired(report(base, yaws), b, { resamples: 500 }).mean.a, 12);
    expect(c.pose.count).toBe(100);
    expect(c.pose.a).toBeCloseTo(2, 12);
    expect(c.pose.b).toBeCloseTo(0, 12);
    expect(c.pose.interval[1]).toBeCloseTo(-2, 12);
  });

  it('leaves out of the pose MAE the images with a ground-truth angle beyond ±99°', () => {
    const { yaws, base } = devLike(6);
    const a = report(base, yaws);
    a.samples[0].gtAngles = [120, 10, 0];
    const b = report(base, yaws);
    b.samples[0].gtAngles = [120, 10, 0];
    expect(comparePaired(a, b, { resamples: 200 }).pose.count).toBe(99);
  });

  it('pairs only the images both models read under a detector protocol', () => {
    const { yaws, base } = devLike(7);
    const a = { ...report(base, yaws, { detected: (i) => i !== 3 }), protocol: 'detector' };
    const b = { ...report(base, yaws, { detected: (i) => i !== 70 && i !== 71 }), protocol: 'detector' };
    const c = comparePaired(a, b, { resamples: 200 });
    expect(c.paired).toBe(97);
    expect(c.detectedOnlyA).toBe(2);
    expect(c.detectedOnlyB).toBe(1);
    expect(c.bins['(30,60]'].count).toBe(23);
  });

  it('refuses reports of different images, bins or protocols, and bad options', () => {
    const { yaws, base } = devLike(8);
    const a = report(base, yaws);
    const fewer = { ...a, samples: a.samples.slice(1) };
    expect(() => comparePaired(a, fewer)).toThrow(/different images \(1 only in A, 0 only in B, e\.g\. image0\.jpg\)/);
    expect(() => comparePaired(a, { ...a, protocol: 'detector' })).toThrow(InvalidArgumentError);
    const moved = report(base, yaws.map((y, i) => (i === 0 ? 50 : y)));
    expect(() => comparePaired(a, moved)).toThrow(/image0\.jpg is in bin \[0,30\] in A but \(30,60\] in B/);
    expect(() => comparePaired(a, a, { resamples: 10 })).toThrow(/resamples/);
    expect(() => comparePaired(a, a, { metric: 'nme4d' as 'nme2d' })).toThrow(/metric/);
    const none = report(base, yaws, { detected: () => false });
    expect(() => comparePaired(none, none)).toThrow(/no image is read by both/);
  });
});

describe('parseEvalReport', () => {
  it('reads a report and rejects what is not one', () => {
    const { yaws, base } = devLike(9);
    const parsed = parseEvalReport(JSON.parse(JSON.stringify(report(base, yaws))), 'a.json');
    expect(parsed.samples).toHaveLength(100);
    expect(parsed.samples[0].predAngles).toEqual([1, 12, 3]);
    expect(() => parseEvalReport({ summary: {} }, 'x.json')).toThrow(/x\.json is not a `prnet-train eval --json` report/);
    const broken = JSON.parse(JSON.stringify(report(base, yaws)));
    broken.samples[5].nme2d = null;
    expect(() => parseEvalReport(broken, 'b.json')).toThrow(/sample 5 \(image5\.jpg\) is detected but has no finite "nme2d"/);
    const twice = JSON.parse(JSON.stringify(report(base, yaws)));
    twice.samples[1].image = 'image0.jpg';
    expect(() => parseEvalReport(twice, 'c.json')).toThrow(/lists image0\.jpg twice/);
  });
});

describe('prnet-train compare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prnet-compare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the table and writes the JSON from two report files', async () => {
    const { yaws, base } = devLike(10);
    const pathA = join(dir, 'a.json');
    const pathB = join(dir, 'b.json');
    writeFileSync(pathA, JSON.stringify(report(base, yaws)));
    writeFileSync(pathB, JSON.stringify(report(base.map((e, i) => (i % 2 ? e - 0.5 : e)), yaws)));
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await runCompareCommand([pathA, pathB, '--resamples', '1000', '--json', join(dir, 'c.json')]);
    } finally {
      spy.mockRestore();
    }
    const text = out.join('');
    expect(text).toMatch(/paired over 100 of 100 images/);
    expect(text).toMatch(/mean of bins\s+\S+\s+\S+\s+−0\.2\d/);
    expect(text).toMatch(/B better on 50\.0 % of the images/);
    const json = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
    expect(json.a).toBe(pathA);
    expect(json.resamples).toBe(1000);
    expect(json.mean.diff).toBeLessThan(-0.2);
    await expect(runCompareCommand([pathA])).rejects.toThrow(/two report files/);
    await expect(runCompareCommand([pathA, join(dir, 'missing.json')])).rejects.toThrow(/cannot read/);
  });
});

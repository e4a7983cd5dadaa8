import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NoFaceError, boxOfPoints, type Box, type RgbImage } from '@prnet/core';
import { createPrnet, encodePng, type Prnet } from '@prnet/core/node';
import { useTestBackend } from '@prnet/core/testing';
import { Aflw2000DataError, findAflw2000DevDir, loadAflw2000 } from './aflw2000.js';
import { readBoxesFile, runEvalCommand } from './eval-command.js';
import { evaluateModel, type EvaluationTarget } from './evaluate.js';
import { formatReport, reportJson } from './report.js';

const SIDE = 96;

/** 68 points over the box [20, 24, 70, 64] (50 × 40 → sqrt(w·h) = sqrt(2000)), z varying. */
function syntheticLandmarks(shift: number): number[][] {
  return Array.from({ length: 68 }, (_, i) => [
    i === 0 ? 20 + shift : i === 1 ? 70 + shift : 20 + shift + ((i * 37) % 51),
    i === 0 ? 24 : i === 1 ? 64 : 24 + ((i * 53) % 41),
    (i * 7) % 13,
  ]);
}

/** Writes a tiny AFLW2000-3D style folder: image k is filled with grey level 10·k (the fake reads it back). */
function writeSyntheticDataset(dir: string, yaws: number[]): void {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const samples = yaws.map((yaw, k) => {
    const data = new Uint8Array(SIDE * SIDE * 3).fill(10 * k);
    const image: RgbImage = { width: SIDE, height: SIDE, channels: 3, data };
    writeFileSync(join(dir, 'images', `face${k}.png`), encodePng(image));
    return {
      image: `images/face${k}.png`,
      landmarks68: syntheticLandmarks(k),
      pitchYawRollDegrees: [k === 2 ? 150 : 5, yaw, -3],
      yawBinDegrees: Math.abs(yaw),
    };
  });
  writeFileSync(join(dir, 'annotations.json'), JSON.stringify({ samples }));
}

const YAWS = [10, -45, 75, 20];
let root: string;
let dataDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'prnet-eval-'));
  dataDir = join(root, 'dataset');
  writeSyntheticDataset(dataDir, YAWS);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadAflw2000', () => {
  it('reads samples with absolute image paths and flat landmarks', () => {
    const ds = loadAflw2000(dataDir);
    expect(ds.samples).toHaveLength(4);
    const s = ds.samples[1];
    expect(s.imagePath).toBe(join(dataDir, 'images', 'face1.png'));
    expect(s.landmarks68).toBeInstanceOf(Float32Array);
    expect(s.landmarks68.length).toBe(204);
    expect(Array.from(s.landmarks68.subarray(0, 3))).toEqual([21, 24, 0]);
    expect(s.pitchYawRollDegrees).toEqual([5, -45, -3]);
    expect(s.yawBinDegrees).toBe(45);
  });

  it('throws typed errors for a missing folder, missing or malformed annotations', () => {
    const expectReason = (fn: () => unknown, reason: string, message: RegExp) => {
      try {
        fn();
        expect.unreachable('no error thrown');
      } catch (error) {
        expect(error).toBeInstanceOf(Aflw2000DataError);
        expect((error as Aflw2000DataError).reason).toBe(reason);
        expect((error as Error).message).toMatch(message);
      }
    };
    expectReason(() => loadAflw2000(join(root, 'nope')), 'MISSING_FOLDER', /not found/);
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    expectReason(() => loadAflw2000(empty), 'MISSING_ANNOTATIONS', /annotations\.json/);
    const broken = join(root, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'annotations.json'), '{"samples": [');
    expectReason(() => loadAflw2000(broken), 'INVALID_ANNOTATIONS', /not valid JSON/);
    writeFileSync(
      join(broken, 'annotations.json'),
      JSON.stringify({ samples: [{ image: 'a.jpg', landmarks68: [[1, 2]], pitchYawRollDegrees: [0, 0, 0] }] }),
    );
    expectReason(() => loadAflw2000(broken), 'INVALID_ANNOTATIONS', /sample 0 .*68/);
  });
});

/**
 * A fake reconstructor: reads the sample index from the image's grey level and returns that
 * sample's ground-truth landmarks shifted by (dx, dy, dz), with a pose off by +2° yaw.
 */
function fakePrnet(dx: number, dy: number, dz: number, options: { noFaceAt?: number } = {}) {
  const truth = loadAflw2000(dataDir).samples;
  const boxes: (Box | undefined)[] = [];
  const target: EvaluationTarget = {
    async reconstruct(image, call) {
      const k = (image as RgbImage).data[0] / 10;
      boxes[k] = call?.box;
      if (!call?.box && k === options.noFaceAt) throw new NoFaceError('no face');
      const landmarks68 = new Float32Array(truth[k].landmarks68);
      for (let i = 0; i < 68; i++) {
        landmarks68[3 * i] += dx;
        landmarks68[3 * i + 1] += dy;
        landmarks68[3 * i + 2] += dz;
      }
      const [pitch, yaw, roll] = truth[k].pitchYawRollDegrees;
      return { landmarks68, box: call?.box ?? boxOfPoints(landmarks68), pose: { pitch, yaw: yaw + 2, roll } };
    },
  };
  return { target, boxes };
}

describe('evaluateModel (fake reconstructor, no shared data)', () => {
  it('gives exactly the NME of a known offset and crops from the tight ground-truth box', async () => {
    const { target, boxes } = fakePrnet(3, 4, 25);
    const progress = vi.fn();
    const result = await evaluateModel({ prnet: target, data: dataDir, onProgress: progress });
    const expected = (100 * 5) / Math.sqrt(50 * 40);
    expect(result.protocol).toBe('gt-box');
    expect(result.samples).toHaveLength(4);
    for (const s of result.samples) {
      expect(s.nme2d).toBeCloseTo(expected, 4);
      expect(s.nme3d).toBeCloseTo(expected, 4); // the constant depth offset is removed
      expect(s.gtBox).toEqual([20 + s.index, 24, 70 + s.index, 64]);
      expect(boxes[s.index]).toEqual(s.gtBox);
    }
    const { summary } = result;
    expect(summary.bins['[0,30]'].count).toBe(2);
    expect(summary.bins['(30,60]'].count).toBe(1);
    expect(summary.bins['>60'].count).toBe(1);
    expect(summary.mean.nme2d).toBeCloseTo(expected, 4);
    expect(summary.detectionRate).toBe(1);
    // Sample 2 has pitch 150° and is left out of the pose MAE; yaw is off by 2° everywhere.
    expect(summary.pose.count).toBe(3);
    expect(summary.pose.yaw).toBeCloseTo(2, 10);
    expect(summary.pose.pitch).toBe(0);
    expect(progress).toHaveBeenLastCalledWith(4, 4);
  });

  it('no-box protocol: passes no box, counts NoFaceError as undetected, rethrows other errors', async () => {
    const { target, boxes } = fakePrnet(0, 2, 0, { noFaceAt: 2 });
    const result = await evaluateModel({ prnet: target, data: loadAflw2000(dataDir), useBox: false, limit: 3 });
    expect(result.protocol).toBe('detector');
    expect(result.samples).toHaveLength(3);
    expect(boxes.every((b) => b === undefined)).toBe(true);
    expect(result.samples[2].detected).toBe(false);
    expect(result.samples[2].nme2d).toBeUndefined();
    expect(result.summary.detectionRate).toBeCloseTo(2 / 3, 10);
    expect(result.summary.bins['>60']).toMatchObject({ count: 1, detected: 0 });
    expect(result.summary.overall.nme2d).toBeCloseTo(200 / Math.sqrt(2000), 4);
    const text = formatReport(result);
    expect(text).toMatch(/detection rate: 2\/3 = 66\.7%/);

    const failing: EvaluationTarget = {
      reconstruct: async () => {
        throw new Error('network exploded');
      },
    };
    await expect(evaluateModel({ prnet: failing, data: dataDir, useBox: false })).rejects.toThrow('network exploded');
  });

  it('given boxes: crops from each image box, images without one count as undetected', async () => {
    const { target, boxes } = fakePrnet(1, 0, 0);
    const given: Record<string, Box> = { 'images/face0.png': [10, 10, 80, 80], 'images/face2.png': [0, 0, 90, 90] };
    const result = await evaluateModel({ prnet: target, data: dataDir, boxes: given });
    expect(result.protocol).toBe('given-boxes');
    expect(boxes[0]).toEqual([10, 10, 80, 80]);
    expect(boxes[2]).toEqual([0, 0, 90, 90]);
    expect(boxes[1]).toBeUndefined();
    expect(result.samples.map((s) => s.detected)).toEqual([true, false, true, false]);
    expect(result.samples[0].nme2d).toBeCloseTo(100 / Math.sqrt(2000), 4);
    expect(result.summary.detectionRate).toBe(0.5);
    const text = formatReport(result);
    expect(text).toMatch(/crop from the given boxes/);
    expect(text).toMatch(/boxes given: 2\/4 = 50\.0%/);
  });

  it('reads --boxes files and rejects malformed ones', () => {
    const file = join(root, 'boxes.json');
    writeFileSync(file, JSON.stringify({ boxes: { 'images/face0.png': [1, 2, 30, 40] } }));
    expect(readBoxesFile(file)).toEqual({ 'images/face0.png': [1, 2, 30, 40] });
    for (const bad of [{ boxes: { a: [1, 2, 0, 40] } }, { boxes: { a: [1, 2, 3] } }, { boxes: [] }, { other: 1 }]) {
      writeFileSync(file, JSON.stringify(bad));
      expect(() => readBoxesFile(file), JSON.stringify(bad)).toThrow(/--boxes/);
    }
    writeFileSync(file, '{ not json');
    expect(() => readBoxesFile(file)).toThrow(/--boxes/);
  });

  it('reports a table and JSON with nulls for empty bins', async () => {
    const { target } = fakePrnet(2, 0, 0);
    const result = await evaluateModel({ prnet: target, data: dataDir, limit: 1 });
    const text = formatReport(result, { model: 'fake', backend: 'none' });
    expect(text).toMatch(/\[0,30\]\s+1\s+4\.47\s+4\.47/);
    expect(text).toMatch(/\(30,60\]\s+0\s+n\/a/);
    expect(text).toMatch(/mean \(1\/3 bins\)/);
    expect(text).toMatch(/jaw points\s+4\.47\s+4\.47\s+n\/a\s+n\/a/);
    expect(text).toMatch(/best translation removed\s+0\.00/);
    const json = JSON.parse(JSON.stringify(reportJson(result, { model: 'fake' }, { includeLandmarks: true })));
    expect(json.summary.bins['>60'].nme2d).toBeNull();
    expect(json.samples[0].nme2d).toBeCloseTo(4.4721, 4);
    expect(json.samples[0].landmarks68).toHaveLength(204);
    expect(json.samples[0].breakdown.regions.mouth).toBeCloseTo(4.4721, 4);
    expect(json.samples[0].breakdown.similarity).toBeCloseTo(0, 4);
  });
});

describe('evaluateModel with the shipped default model (synthetic images, no shared data)', () => {
  let prnet: Prnet;
  beforeAll(async () => {
    await useTestBackend();
    prnet = await createPrnet({ detector: false });
  });
  afterAll(() => prnet?.dispose());

  it('runs, gives finite numbers and leaks no tensors', async () => {
    await evaluateModel({ prnet, data: dataDir, limit: 1 }); // warm-up
    const before = tf.memory().numTensors;
    const result = await evaluateModel({ prnet, data: dataDir });
    expect(tf.memory().numTensors).toBe(before);
    for (const s of result.samples) {
      expect(Number.isFinite(s.nme2d)).toBe(true);
      expect(Number.isFinite(s.nme3d)).toBe(true);
      expect(s.predAngles!.every(Number.isFinite)).toBe(true);
      expect(s.ms!).toBeGreaterThan(0);
      expect(s.box).toEqual(s.gtBox);
    }
    expect(Number.isFinite(result.summary.mean.nme2d)).toBe(true);
    expect(result.summary.ms.median).toBeGreaterThan(0);
  });

  it('without a detector the no-box protocol fails loudly', async () => {
    // detector: false → reconstruct without a box throws NoFaceError → every sample undetected.
    const result = await evaluateModel({ prnet, data: dataDir, useBox: false });
    expect(result.summary.detected).toBe(0);
    expect(result.summary.detectionRate).toBe(0);
  });

  it('the eval command prints the table and writes JSON', async () => {
    const out = join(root, 'report.json');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const result = await runEvalCommand(['--data', dataDir, '--json', out, '--limit', '2', '--quiet', '--backend', 'wasm']);
      expect(result.samples).toHaveLength(2);
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toMatch(/NME 2D %/);
      expect(printed).toMatch(/UNTRAINED|prnet-/);
    } finally {
      write.mockRestore();
    }
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.protocol).toBe('gt-box');
    expect(json.samples).toHaveLength(2);
    expect(json.summary.count).toBe(2);
    const refineWrite = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const refined = await runEvalCommand(['--data', dataDir, '--limit', '2', '--quiet', '--backend', 'wasm', '--refine', '--flip']);
      expect(refined.samples).toHaveLength(2);
      expect(refineWrite.mock.calls.map((c) => String(c[0])).join('')).toMatch(/test-time flip, two-pass upright crop/);
    } finally {
      refineWrite.mockRestore();
    }
    await expect(runEvalCommand(['--data', dataDir, '--limit', 'x'])).rejects.toThrow(/--limit/);
    await expect(runEvalCommand(['--data', dataDir, '--no-box', '--boxes', out])).rejects.toThrow(/exclude each other/);
    await expect(runEvalCommand(['--data', join(root, 'nope')])).rejects.toThrow(Aflw2000DataError);
  });
});

const devDir = findAflw2000DevDir();

describe.skipIf(!devDir)('evaluateModel on AFLW2000-3D dev (needs ../shared/data; skipped when absent)', () => {
  it('evaluates the shipped default model on 10 samples with finite, plausible numbers', async () => {
    await useTestBackend();
    const prnet = await createPrnet({ detector: false });
    try {
      const result = await evaluateModel({ prnet, data: devDir!, limit: 10 });
      expect(result.samples).toHaveLength(10);
      const { summary } = result;
      expect(summary.count).toBe(10);
      expect(Number.isFinite(summary.overall.nme2d)).toBe(true);
      expect(Number.isFinite(summary.overall.nme3d)).toBe(true);
      expect(Number.isFinite(summary.pose.mean)).toBe(true);
      // A face-shaped prediction in the right box: far from perfect when untrained, far from random.
      expect(summary.overall.nme2d).toBeGreaterThan(prnet.metadata.trained ? 0.5 : 2);
      expect(summary.overall.nme2d).toBeLessThan(40);
      expect(summary.overall.nme3d).toBeGreaterThanOrEqual(summary.overall.nme2d);
    } finally {
      prnet.dispose();
    }
  });
});

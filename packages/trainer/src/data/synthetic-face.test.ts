import { beforeAll, describe, expect, it } from 'vitest';
import { anglesFromRotation, boxOfPoints, multiply3, rotationFromAngles } from '@prnet/core/geometry';
import { buildIctMesh, findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { projectToImage } from '../render/face-renderer.js';
import { createRng } from '../render/procedural.js';
import { EXPRESSION_COUNT, EXPRESSION_NAMES, expressionIndex, sampleExpression } from './expressions.js';
import { sampleSeed, sampleSyntheticFace } from './synthetic-face.js';

describe('expressions (no data needed)', () => {
  it('lists 53 distinct ARKit-style names', () => {
    expect(EXPRESSION_COUNT).toBe(53);
    expect(new Set(EXPRESSION_NAMES).size).toBe(53);
    expect(expressionIndex('jawOpen')).toBe(EXPRESSION_NAMES.indexOf('jawOpen'));
    expect(expressionIndex('PupilDilate_L')).toBe(-1);
  });

  it('samples sparse, realistic weights: ~25 % neutral, few shapes, one-eye blinks, mouthClose ≤ jawOpen', () => {
    const rng = createRng(5);
    const n = 4000;
    let neutral = 0;
    let active = 0;
    let winks = 0;
    let bothBlinks = 0;
    let smiles = 0;
    let lo = Infinity;
    let hi = -Infinity;
    let badClose = 0;
    let antagonists = 0;
    const blinkL = expressionIndex('eyeBlink_L');
    const blinkR = expressionIndex('eyeBlink_R');
    for (let i = 0; i < n; i++) {
      const w = sampleExpression(rng);
      const nonZero = w.filter((x) => x > 0).length;
      if (nonZero === 0) neutral++;
      active += nonZero;
      for (const x of w) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      if (w[expressionIndex('mouthClose')] > w[expressionIndex('jawOpen')]) badClose++;
      for (const side of ['_L', '_R']) {
        for (const [a, b] of [['eyeBlink', 'eyeWide'], ['mouthSmile', 'mouthFrown'], ['browDown', 'browInnerUp']]) {
          if (w[expressionIndex(a + side)] > 0 && w[expressionIndex(b + side)] > 0) antagonists++;
        }
      }
      if (w[blinkL] > 0.5 && w[blinkR] === 0) winks++;
      if (w[blinkL] > 0.4 && w[blinkR] > 0.4) bothBlinks++;
      if (w[expressionIndex('mouthSmile_L')] > 0.2) smiles++;
    }
    expect(lo).toBe(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.95);
    expect(badClose).toBe(0);
    expect(antagonists).toBe(0); // a blink never fights a wide-open eye, a smile never a frown
    expect(neutral / n).toBeGreaterThan(0.2);
    expect(neutral / n).toBeLessThan(0.3);
    expect(active / n).toBeGreaterThan(1.5); // not neutral-only
    expect(active / n).toBeLessThan(6); // sparse: most of the 53 weights are 0
    expect(winks).toBeGreaterThan(n * 0.01);
    expect(bothBlinks).toBeGreaterThan(n * 0.03);
    expect(smiles).toBeGreaterThan(n * 0.08);
  });

  it('derives independent 32-bit sample seeds from (dataset seed, index)', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 4; s++) for (let i = 0; i < 2000; i++) seen.add(sampleSeed(s, i));
    expect(seen.size).toBe(8000);
    expect(sampleSeed(7, 123)).toBe(sampleSeed(7, 123));
    for (const v of seen) expect(v >>> 0).toBe(v);
  });
});

const dataDir = findSharedDataDir();

describe.skipIf(!dataDir)('sampleSyntheticFace (needs ../shared/data; skipped when absent)', () => {
  let model: IctModel;
  beforeAll(() => {
    model = loadIctModel();
  });

  it('uses only expressions of the model', () => {
    for (const name of EXPRESSION_NAMES) expect(model.expressionNames).toContain(name);
  });

  it('is deterministic for a seed and records the pose it renders', () => {
    const a = sampleSyntheticFace(model, 42);
    const b = sampleSyntheticFace(model, 42);
    expect(Array.from(a.params.rotation)).toEqual(Array.from(b.params.rotation));
    expect(a.params.translation).toEqual(b.params.translation);
    expect(Array.from(a.expression)).toEqual(Array.from(b.expression));
    // rotationFromAngles(recorded pose) = renderer rotation · Rx(reference pitch).
    const head = multiply3(a.params.rotation, rotationFromAngles(3.6, 0, 0));
    const angles = anglesFromRotation(head);
    expect(angles.pitch).toBeCloseTo(a.pose.pitch, 6);
    expect(angles.yaw).toBeCloseTo(a.pose.yaw, 6);
    expect(angles.roll).toBeCloseTo(a.pose.roll, 6);
    // With a zero reference the rotation is exactly rotationFromAngles(pose).
    const raw = sampleSyntheticFace(model, 42, { referencePitchDegrees: 0 });
    const R = rotationFromAngles(raw.pose.pitch, raw.pose.yaw, raw.pose.roll);
    for (let i = 0; i < 9; i++) expect(raw.params.rotation[i]).toBeCloseTo(R[i], 12);
  });

  it('covers the benchmark pose range and sizes the 68-landmark box to 35–55 % of the image', () => {
    const n = 300;
    let beyond60 = 0;
    let within30 = 0;
    let maxPitch = 0;
    let maxRoll = 0;
    for (let i = 0; i < n; i++) {
      const f = sampleSyntheticFace(model, sampleSeed(9, i), { imageSize: 160 });
      const { yaw, pitch, roll } = f.pose;
      expect(Math.abs(yaw)).toBeLessThanOrEqual(90);
      expect(Math.abs(pitch)).toBeLessThanOrEqual(45);
      expect(Math.abs(roll)).toBeLessThanOrEqual(45);
      if (Math.abs(yaw) > 60) beyond60++;
      if (Math.abs(yaw) <= 30) within30++;
      maxPitch = Math.max(maxPitch, Math.abs(pitch));
      maxRoll = Math.max(maxRoll, Math.abs(roll));
      if (i < 40) {
        // The 68-landmark box of the actual mesh (identity + expression) at the drawn scale.
        const mesh = new Float32Array(model.vertexCount * 3);
        buildIctMesh(model, { identity: f.params.identity, expression: f.params.expression }, mesh);
        const lm = new Float32Array(204);
        model.landmarks68.forEach((v, k) => lm.set(mesh.subarray(v * 3, v * 3 + 3), k * 3));
        const img = projectToImage(lm, f.params.rotation, f.params.scale, f.params.translation);
        const [x0, y0, x1, y1] = boxOfPoints(img);
        const side = (x1 - x0 + (y1 - y0)) / 2 / 160;
        expect(side).toBeGreaterThan(0.35 - 1e-6);
        expect(side).toBeLessThan(0.55 + 1e-6);
        expect(Math.abs((x0 + x1) / 2 - 80)).toBeLessThanOrEqual(0.08 * 160 + 1e-6);
        expect(Math.abs((y0 + y1) / 2 - 80)).toBeLessThanOrEqual(0.08 * 160 + 1e-6);
      }
    }
    expect(beyond60 / n).toBeGreaterThan(0.2);
    expect(beyond60 / n).toBeLessThan(0.4);
    expect(within30 / n).toBeGreaterThan(0.25);
    expect(maxPitch).toBeGreaterThan(30);
    expect(maxRoll).toBeGreaterThan(30);
  });
});

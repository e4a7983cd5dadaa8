import { InvalidArgumentError } from '@prnet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIctMesh, findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { createUvRasteriser, forEachFaceTriangle, type UvRasteriser } from './uv-rasteriser.js';

const dataDir = findSharedDataDir();
if (!dataDir) console.warn('uv-rasteriser tests skipped: ../shared/data (ICT face model) not found');

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe.skipIf(!dataDir)('createUvRasteriser (ICT face model)', () => {
  let model: IctModel;
  let ras256: UvRasteriser;
  let mesh: Float32Array;

  beforeAll(() => {
    model = loadIctModel();
    ras256 = createUvRasteriser(model, 256);
    const normal = gaussian(7);
    mesh = buildIctMesh(model, {
      identity: Array.from({ length: 100 }, () => normal()),
      expression: { jawOpen: 0.6, mouthSmile_L: 0.8, eyeBlink_R: 0.5, browInnerUp_L: 0.7 },
    });
  });

  it('covers about 62,000 pixels at 256 and a quarter of that at 128', () => {
    const count256 = ras256.pixels.length;
    expect(count256).toBeGreaterThan(60_000);
    expect(count256).toBeLessThan(64_000);
    const ras128 = createUvRasteriser(model, 128);
    expect(ras128.pixels.length / count256).toBeCloseTo(0.25, 1);
    let maskCount = 0;
    for (const m of ras256.mask) maskCount += m;
    expect(maskCount).toBe(count256);
    let ascending = true;
    for (let k = 1; k < ras256.pixels.length; k++) ascending &&= ras256.pixels[k] > ras256.pixels[k - 1];
    expect(ascending).toBe(true);
  });

  it('pins the 68 landmarks: distinct mask pixels holding the exact landmark vertices', () => {
    const { landmarkPixels, mask } = ras256;
    expect(landmarkPixels.length).toBe(68);
    expect(new Set(landmarkPixels).size).toBe(68);
    for (const p of landmarkPixels) expect(mask[p]).toBe(1);
    const pm = ras256.positionMap(mesh);
    model.landmarks68.forEach((vertex, k) => {
      const p = landmarkPixels[k];
      expect([pm[p * 3], pm[p * 3 + 1], pm[p * 3 + 2]]).toEqual([mesh[vertex * 3], mesh[vertex * 3 + 1], mesh[vertex * 3 + 2]]);
    });
  });

  it('puts each landmark at (or next to) the pixel of its vertex UV', () => {
    const R = 256;
    model.landmarks68.forEach((vertex, k) => {
      // Find the landmark vertex's UV through any face polygon using it.
      let u = Number.NaN;
      let v = Number.NaN;
      for (let i = 0; i < (model.facePolygonEnd + 1) * 4 && Number.isNaN(u); i++) {
        if (model.faces[i] === vertex) {
          u = model.uvs[model.faceUvs[i] * 2];
          v = model.uvs[model.faceUvs[i] * 2 + 1];
        }
      }
      const p = ras256.landmarkPixels[k];
      const col = p % R;
      const row = Math.floor(p / R);
      expect(Math.abs(col + 0.5 - u * R)).toBeLessThanOrEqual(2.5);
      expect(Math.abs(row + 0.5 - (1 - v) * R)).toBeLessThanOrEqual(2.5);
    });
  });

  it('interpolates the covering UV triangle barycentrically at every other pixel', () => {
    const R = 256;
    const pm = ras256.positionMap(mesh);
    const pinned = new Set(ras256.landmarkPixels);
    // Independent reference: brute-force barycentrics of the sample pixels over every face triangle.
    const samples = ras256.pixels.filter((_, k) => k % 397 === 0 && !pinned.has(ras256.pixels[k]));
    const found = new Map<number, [number, number, number]>();
    forEachFaceTriangle(model, (a, b, c, ta, tb, tc) => {
      const uv = (t: number): [number, number] => [model.uvs[t * 2], model.uvs[t * 2 + 1]];
      const [ua, va] = uv(ta);
      const [ub, vb] = uv(tb);
      const [uc, vc] = uv(tc);
      const det = (ub - ua) * (vc - va) - (uc - ua) * (vb - va);
      for (const p of samples) {
        if (found.has(p)) continue;
        const u = ((p % R) + 0.5) / R;
        const v = 1 - (Math.floor(p / R) + 0.5) / R;
        const wb = ((u - ua) * (vc - va) - (uc - ua) * (v - va)) / det;
        const wc = ((ub - ua) * (v - va) - (u - ua) * (vb - va)) / det;
        const wa = 1 - wb - wc;
        if (wa < -1e-6 || wb < -1e-6 || wc < -1e-6) continue;
        const expected: [number, number, number] = [0, 0, 0];
        for (let j = 0; j < 3; j++) expected[j] = wa * mesh[a * 3 + j] + wb * mesh[b * 3 + j] + wc * mesh[c * 3 + j];
        found.set(p, expected);
      }
    });
    expect(found.size).toBe(samples.length);
    for (const [p, expected] of found) {
      for (let j = 0; j < 3; j++) expect(Math.abs(pm[p * 3 + j] - expected[j])).toBeLessThan(1e-4);
    }
  });

  it('writes zeros outside the mask, reuses `out`, and rejects a short vertex array', () => {
    const out = new Float32Array(256 * 256 * 3).fill(7);
    const pm = ras256.positionMap(mesh, out);
    expect(pm).toBe(out);
    for (let p = 0; p < 256 * 256; p++) {
      if (ras256.mask[p] === 0) expect(out[p * 3] === 0 && out[p * 3 + 1] === 0 && out[p * 3 + 2] === 0).toBe(true);
    }
    expect(() => ras256.positionMap(new Float32Array(30))).toThrow(InvalidArgumentError);
    expect(() => ras256.positionMap(mesh, new Float32Array(10))).toThrow(InvalidArgumentError);
    expect(() => createUvRasteriser(model, 7.5)).toThrow(InvalidArgumentError);
  });
});

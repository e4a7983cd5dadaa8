import { REGION, WEIGHT, type UvLayout } from '@prnet/core';
import { loadDefaultUvLayout } from '@prnet/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIctMesh, findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { buildUvLayout } from './build-uv-layout.js';
import { createUvRasteriser, type UvRasteriser } from './uv-rasteriser.js';

const dataDir = findSharedDataDir();
if (!dataDir) console.warn('buildUvLayout tests skipped: ../shared/data (ICT face model) not found');

/** Vertex adjacency of the face area (polygon edges). */
function faceAdjacency(model: IctModel): Set<number>[] {
  const neighbours = Array.from({ length: model.faceVertexEnd + 1 }, () => new Set<number>());
  for (let p = 0; p <= model.facePolygonEnd; p++) {
    const corners = model.faces[p * 4 + 3] < 0 ? 3 : 4;
    for (let k = 0; k < corners; k++) {
      const a = model.faces[p * 4 + k];
      const b = model.faces[p * 4 + ((k + 1) % corners)];
      neighbours[a].add(b);
      neighbours[b].add(a);
    }
  }
  return neighbours;
}

/** Mesh hop distance between two vertex sets (breadth-first, capped at `cap`). */
function ringDistance(neighbours: Set<number>[], from: Iterable<number>, to: Iterable<number>, cap: number): number {
  const target = new Set(to);
  let frontier = new Set(from);
  const seen = new Set(frontier);
  for (let d = 0; d <= cap; d++) {
    for (const v of frontier) if (target.has(v)) return d;
    const next = new Set<number>();
    for (const v of frontier) for (const w of neighbours[v]) if (!seen.has(w)) (seen.add(w), next.add(w));
    frontier = next;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * The largest mesh hop distance between the covering triangles of the two ends of any grid edge
 * that touches an eye or mouth region. An edge bridging a slit joins the upper and lower eyelid
 * (or lip), whose vertices are only connected around the slit's corners: many hops.
 */
function maxSlitRingDistance(
  layout: UvLayout,
  ras: UvRasteriser,
  neighbours: Set<number>[],
  trianglePixels: ArrayLike<number>,
): number {
  const slot = new Int32Array(layout.resolution ** 2).fill(-1);
  ras.pixels.forEach((p, k) => (slot[p] = k));
  const corners = (p: number): number[] => Array.from(ras.vertexIndices.subarray(slot[p] * 3, slot[p] * 3 + 3));
  const slit = (p: number): boolean =>
    layout.regions[p] === REGION.EYE_IMAGE_LEFT ||
    layout.regions[p] === REGION.EYE_IMAGE_RIGHT ||
    layout.regions[p] === REGION.MOUTH;
  let worst = 0;
  for (let t = 0; t < trianglePixels.length; t += 3) {
    for (let j = 0; j < 3; j++) {
      const a = trianglePixels[t + j];
      const b = trianglePixels[t + ((j + 1) % 3)];
      if (!slit(a) && !slit(b)) continue;
      worst = Math.max(worst, ringDistance(neighbours, corners(a), corners(b), 16));
    }
  }
  return worst;
}

/** Every grid triangle a slit-blind triangulation would make (diagonal A–D; 3-corner cells). */
function naiveTrianglePixels(layout: UvLayout): number[] {
  const R = layout.resolution;
  const out: number[] = [];
  for (let r = 0; r < R - 1; r++) {
    for (let c = 0; c < R - 1; c++) {
      const a = r * R + c;
      const b = a + 1;
      const cc = a + R;
      const d = cc + 1;
      const m = layout.mask;
      if (m[a] && m[cc] && m[d]) out.push(a, cc, d);
      if (m[a] && m[d] && m[b]) out.push(a, d, b);
      if (!m[a] && m[b] && m[cc] && m[d]) out.push(b, cc, d);
      if (!m[d] && m[a] && m[b] && m[cc]) out.push(a, cc, b);
    }
  }
  return out;
}

describe.skipIf(!dataDir)('buildUvLayout (ICT face model)', () => {
  let model: IctModel;
  let neighbours: Set<number>[];
  const built = new Map<number, { layout: UvLayout; ras: UvRasteriser }>();

  beforeAll(() => {
    model = loadIctModel();
    neighbours = faceAdjacency(model);
    for (const R of [128, 256]) {
      const ras = createUvRasteriser(model, R);
      built.set(R, { ras, layout: buildUvLayout(model, R, { rasteriser: ras }) });
    }
  });

  it.each([128, 256])('leaves the eye and mouth slits open at %i', (R) => {
    const { layout, ras } = built.get(R)!;
    const pixels = Array.from(layout.triangles, (v) => layout.vertexPixels[v]);
    const ours = maxSlitRingDistance(layout, ras, neighbours, pixels);
    // Legitimate grid edges stay within a few rings (eyelids and lips are compressed in UV, so a
    // pixel step can skip several rings at 128); an edge across a slit must go around its corner.
    expect(ours).toBeLessThanOrEqual(R === 128 ? 8 : 6);
    if (R === 128) {
      // Control: at 128 the eye slits are thinner than a pixel, so a slit-blind grid bridges them.
      expect(maxSlitRingDistance(layout, ras, neighbours, naiveTrianglePixels(layout))).toBeGreaterThan(12);
    }
  });

  it.each([128, 256])('keeps the mouth open when the jaw opens at %i', (R) => {
    const { layout, ras } = built.get(R)!;
    const open = ras.positionMap(buildIctMesh(model, { expression: { jawOpen: 1 } }));
    const lipGap = Math.hypot(
      ...[0, 1, 2].map((j) => open[layout.landmarkPixels[62] * 3 + j] - open[layout.landmarkPixels[66] * 3 + j]),
    );
    expect(lipGap).toBeGreaterThan(3);
    let longest = 0;
    const { triangles, vertexPixels, regions } = layout;
    for (let t = 0; t < triangles.length; t += 3) {
      const p = [0, 1, 2].map((j) => vertexPixels[triangles[t + j]]);
      if (!p.some((q) => regions[q] === REGION.MOUTH)) continue;
      for (let j = 0; j < 3; j++) {
        const a = p[j] * 3;
        const b = p[(j + 1) % 3] * 3;
        longest = Math.max(longest, Math.hypot(open[a] - open[b], open[a + 1] - open[b + 1], open[a + 2] - open[b + 2]));
      }
    }
    expect(longest).toBeLessThan(lipGap / 2);
  });

  it.each([128, 256])('winds the triangles counter-clockwise seen from the front at %i', (R) => {
    const { layout, ras } = built.get(R)!;
    const pm = layout.meanFace;
    const slot = new Int32Array(R * R).fill(-1);
    ras.pixels.forEach((p, k) => (slot[p] = k));
    const pinned = new Set(layout.landmarkPixels);
    const v = model.neutral;
    let agree = 0;
    let compared = 0;
    let frontal = 0;
    let frontalPositive = 0;
    const { triangles, vertexPixels } = layout;
    for (let t = 0; t < triangles.length; t += 3) {
      const [a, b, c] = [0, 1, 2].map((j) => vertexPixels[triangles[t + j]] * 3);
      const e1 = [pm[b] - pm[a], pm[b + 1] - pm[a + 1], pm[b + 2] - pm[a + 2]];
      const e2 = [pm[c] - pm[a], pm[c + 1] - pm[a + 1], pm[c + 2] - pm[a + 2]];
      const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
      // Front of the face: within 4 cm of the midline, in front of the cheeks.
      if (Math.abs(pm[a]) < 4 && pm[a + 2] > 8) {
        frontal++;
        if (n[2] > 0) frontalPositive++;
      }
      // Compare with the ICT mesh's own (outward) normal of the triangle covering corner a.
      const pixel = a / 3;
      if (pinned.has(pixel)) continue;
      const [i, j, k] = Array.from(ras.vertexIndices.subarray(slot[pixel] * 3, slot[pixel] * 3 + 3), (x) => x * 3);
      const f1 = [v[j] - v[i], v[j + 1] - v[i + 1], v[j + 2] - v[i + 2]];
      const f2 = [v[k] - v[i], v[k + 1] - v[i + 1], v[k + 2] - v[i + 2]];
      const m = [f1[1] * f2[2] - f1[2] * f2[1], f1[2] * f2[0] - f1[0] * f2[2], f1[0] * f2[1] - f1[1] * f2[0]];
      compared++;
      if (n[0] * m[0] + n[1] * m[1] + n[2] * m[2] > 0) agree++;
    }
    expect(frontal).toBeGreaterThan(1000 * (R / 256) ** 2);
    // Measured: 96% of the front (the rest: under the nose, nostrils, inner lips) and 99.97% agreement.
    expect(frontalPositive / frontal).toBeGreaterThan(0.9);
    expect(agree / compared).toBeGreaterThan(0.995);
  });

  it('labels regions around their landmarks and weights them like PRNet', () => {
    const { layout } = built.get(256)!;
    const lm = layout.landmarkPixels;
    for (let k = 36; k <= 41; k++) expect(layout.regions[lm[k]]).toBe(REGION.EYE_IMAGE_LEFT);
    for (let k = 42; k <= 47; k++) expect(layout.regions[lm[k]]).toBe(REGION.EYE_IMAGE_RIGHT);
    for (let k = 31; k <= 35; k++) expect(layout.regions[lm[k]]).toBe(REGION.NOSE);
    for (let k = 48; k <= 67; k++) expect(layout.regions[lm[k]]).toBe(REGION.MOUTH);
    for (let k = 0; k <= 16; k++) expect(layout.regions[lm[k]]).toBe(REGION.FACE);
    // Image-left eye = subject's right = smaller x in the model frame (x to the viewer's right).
    expect(layout.meanFace[lm[36] * 3]).toBeLessThan(layout.meanFace[lm[45] * 3]);
    const counts = [0, 0, 0, 0, 0, 0];
    for (const r of layout.regions) counts[r]++;
    expect(counts[REGION.EYE_IMAGE_LEFT]).toBeGreaterThan(100);
    expect(counts[REGION.MOUTH]).toBeGreaterThan(1000);
    for (let p = 0; p < layout.mask.length; p++) {
      const expected = lm.includes(p)
        ? WEIGHT.LANDMARK
        : [WEIGHT.OUTSIDE, WEIGHT.FACE, 4, 4, 4, 4][layout.regions[p]];
      if (layout.weightMask[p] !== expected) throw new Error(`weight ${layout.weightMask[p]} at ${p}, expected ${expected}`);
      if ((layout.regions[p] !== 0) !== (layout.mask[p] === 1)) throw new Error(`region/mask disagree at ${p}`);
    }
  });

  it('stores the neutral mesh as meanFace and the landmark vertices exactly', () => {
    const { layout } = built.get(256)!;
    model.landmarks68.forEach((vertex, k) => {
      const p = layout.landmarkPixels[k];
      for (let j = 0; j < 3; j++) expect(layout.meanFace[p * 3 + j]).toBe(model.neutral[vertex * 3 + j]);
    });
  });

  it.each([128, 256] as const)('ships an asset at %i equal to a fresh build', (R) => {
    const shipped = loadDefaultUvLayout(R);
    const fresh = built.get(R)!.layout;
    expect(shipped.resolution).toBe(R);
    for (const field of ['mask', 'vertexPixels', 'triangles', 'landmarkPixels', 'weightMask', 'regions', 'meanFace'] as const) {
      expect(shipped[field].length, field).toBe(fresh[field].length);
      expect(Buffer.from(shipped[field].buffer).equals(Buffer.from(fresh[field].buffer)), field).toBe(true);
    }
  });
});

import { InvalidArgumentError } from '@prnet/core';
import type { IctModel } from '../ict/ict-model.js';

/**
 * A precomputed rasterisation of the ICT face area (polygons 0..facePolygonEnd) in our UV space.
 *
 * Every pixel centre of the R×R UV image that a face triangle covers stores that triangle's three
 * vertex indices and barycentric weights, so turning any mesh (same topology, any frame) into a
 * position map is one pass over flat arrays. Pixel (row r, col c) samples
 * u = (c + 0.5) / R, v = 1 − (r + 0.5) / R (see core `uv/layout.ts`).
 *
 * The 68 landmark pixels are pinned: their three vertex indices are all the landmark vertex with
 * weights (1, 0, 0), so `positionMap` writes the landmark vertex position there exactly.
 */
export interface UvRasteriser {
  /** Side length R of the maps in pixels. */
  readonly resolution: number;
  /** [R*R] 1 where a face triangle covers the pixel centre, 0 elsewhere. */
  readonly mask: Uint8Array;
  /** [N] the covered pixel indices (`r * R + c`), ascending; N = number of 1s in `mask`. */
  readonly pixels: Uint32Array;
  /** [N*3] mesh vertex indices of the triangle covering `pixels[k]` (pinned pixels: the landmark vertex ×3). */
  readonly vertexIndices: Uint32Array;
  /** [N*3] barycentric weights matching `vertexIndices`, each in [0, 1], summing to 1. */
  readonly weights: Float32Array;
  /** [68] pixel indices of the Multi-PIE landmarks (distinct, inside the mask). */
  readonly landmarkPixels: Uint32Array;
  /**
   * Rasterises a mesh into a position map.
   * @param vertices [V*3] positions of the ICT mesh (any frame, any unit).
   * @param out optional [R*R*3] target, overwritten (0 outside the mask).
   * @returns [R*R*3] row-major position map, (x, y, z) per pixel, 0 outside the mask.
   */
  positionMap(vertices: Float32Array, out?: Float32Array): Float32Array;
}

/** Pixel-space coordinates of a UV point: x = u·R − 0.5 (column), y = (1 − v)·R − 0.5 (row). */
export function toPixelX(u: number, resolution: number): number {
  return u * resolution - 0.5;
}
/** See `toPixelX`. */
export function toPixelY(v: number, resolution: number): number {
  return (1 - v) * resolution - 0.5;
}

/** Tolerance (in barycentric units) so that pixel centres on shared edges are not lost to rounding. */
const EDGE_EPSILON = 1e-7;

/**
 * The face-area UV of each mesh vertex that the face polygons use (seam duplicates share a UV
 * position in the ICT model, so the first one found is taken). Returns [V*2], NaN for unused vertices.
 */
export function faceVertexUvs(model: IctModel): Float64Array {
  const uv = new Float64Array(model.vertexCount * 2).fill(Number.NaN);
  for (let p = 0; p <= model.facePolygonEnd; p++) {
    const corners = model.faces[p * 4 + 3] < 0 ? 3 : 4;
    for (let k = 0; k < corners; k++) {
      const vi = model.faces[p * 4 + k];
      if (!Number.isNaN(uv[vi * 2])) continue;
      const ti = model.faceUvs[p * 4 + k];
      uv[vi * 2] = model.uvs[ti * 2];
      uv[vi * 2 + 1] = model.uvs[ti * 2 + 1];
    }
  }
  return uv;
}

/**
 * Calls `visit(a, b, c, ta, tb, tc)` for each triangle of the face area (quads split along their
 * 0–2 diagonal), with vertex indices a, b, c and uv indices ta, tb, tc, in polygon order.
 */
export function forEachFaceTriangle(
  model: IctModel,
  visit: (a: number, b: number, c: number, ta: number, tb: number, tc: number) => void,
): void {
  const { faces, faceUvs } = model;
  for (let p = 0; p <= model.facePolygonEnd; p++) {
    const o = p * 4;
    visit(faces[o], faces[o + 1], faces[o + 2], faceUvs[o], faceUvs[o + 1], faceUvs[o + 2]);
    if (faces[o + 3] >= 0) {
      visit(faces[o], faces[o + 2], faces[o + 3], faceUvs[o], faceUvs[o + 2], faceUvs[o + 3]);
    }
  }
}

/**
 * Precomputes the rasterisation of the ICT face area at `resolution` (e.g. 128 or 256).
 * Cost: a few tens of ms at 256; `positionMap` is then well under a millisecond per map.
 */
export function createUvRasteriser(model: IctModel, resolution: number): UvRasteriser {
  if (!Number.isInteger(resolution) || resolution < 8 || resolution > 4096) {
    throw new InvalidArgumentError(`UV resolution must be an integer in [8, 4096], got ${resolution}`);
  }
  const R = resolution;
  const pixelCount = R * R;
  // Per pixel: index of its slot in the dense arrays below (+1), 0 = not covered yet.
  const cover = new Int32Array(pixelCount);
  const triVerts = new Uint32Array(pixelCount * 3);
  const triWeights = new Float32Array(pixelCount * 3);
  const { uvs } = model;

  forEachFaceTriangle(model, (a, b, c, ta, tb, tc) => {
    const x0 = toPixelX(uvs[ta * 2], R);
    const y0 = toPixelY(uvs[ta * 2 + 1], R);
    const x1 = toPixelX(uvs[tb * 2], R);
    const y1 = toPixelY(uvs[tb * 2 + 1], R);
    const x2 = toPixelX(uvs[tc * 2], R);
    const y2 = toPixelY(uvs[tc * 2 + 1], R);
    const area2 = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (Math.abs(area2) < 1e-12) return;
    const inv = 1 / area2;
    const cMin = Math.max(0, Math.ceil(Math.min(x0, x1, x2) - 1e-6));
    const cMax = Math.min(R - 1, Math.floor(Math.max(x0, x1, x2) + 1e-6));
    const rMin = Math.max(0, Math.ceil(Math.min(y0, y1, y2) - 1e-6));
    const rMax = Math.min(R - 1, Math.floor(Math.max(y0, y1, y2) + 1e-6));
    for (let r = rMin; r <= rMax; r++) {
      for (let col = cMin; col <= cMax; col++) {
        const pixel = r * R + col;
        if (cover[pixel] !== 0) continue;
        let w0 = ((x1 - col) * (y2 - r) - (x2 - col) * (y1 - r)) * inv;
        let w1 = ((x2 - col) * (y0 - r) - (x0 - col) * (y2 - r)) * inv;
        let w2 = 1 - w0 - w1;
        if (w0 < -EDGE_EPSILON || w1 < -EDGE_EPSILON || w2 < -EDGE_EPSILON) continue;
        w0 = Math.max(0, w0);
        w1 = Math.max(0, w1);
        w2 = Math.max(0, w2);
        const sum = w0 + w1 + w2;
        cover[pixel] = 1;
        triVerts[pixel * 3] = a;
        triVerts[pixel * 3 + 1] = b;
        triVerts[pixel * 3 + 2] = c;
        triWeights[pixel * 3] = w0 / sum;
        triWeights[pixel * 3 + 1] = w1 / sum;
        triWeights[pixel * 3 + 2] = w2 / sum;
      }
    }
  });

  const mask = new Uint8Array(pixelCount);
  let count = 0;
  for (let i = 0; i < pixelCount; i++) {
    if (cover[i] !== 0) {
      mask[i] = 1;
      count++;
    }
  }

  // Landmarks: the pixel holding each landmark vertex's UV, nudged to the nearest free mask pixel.
  const vertexUv = faceVertexUvs(model);
  const landmarkPixels = new Uint32Array(model.landmarks68.length);
  const taken = new Set<number>();
  model.landmarks68.forEach((vertex, k) => {
    const u = vertexUv[vertex * 2];
    const v = vertexUv[vertex * 2 + 1];
    if (Number.isNaN(u)) {
      throw new InvalidArgumentError(`landmark ${k} (vertex ${vertex}) is not on the face area`);
    }
    const pixel = nearestFreeMaskPixel(mask, R, toPixelX(u, R), toPixelY(v, R), taken);
    taken.add(pixel);
    landmarkPixels[k] = pixel;
    triVerts[pixel * 3] = vertex;
    triVerts[pixel * 3 + 1] = vertex;
    triVerts[pixel * 3 + 2] = vertex;
    triWeights[pixel * 3] = 1;
    triWeights[pixel * 3 + 1] = 0;
    triWeights[pixel * 3 + 2] = 0;
  });

  // Compact to the covered pixels only.
  const pixels = new Uint32Array(count);
  const vertexIndices = new Uint32Array(count * 3);
  const weights = new Float32Array(count * 3);
  let maxVertex = 0;
  for (let i = 0, k = 0; i < pixelCount; i++) {
    if (mask[i] === 0) continue;
    pixels[k] = i;
    for (let j = 0; j < 3; j++) {
      vertexIndices[k * 3 + j] = triVerts[i * 3 + j];
      weights[k * 3 + j] = triWeights[i * 3 + j];
      if (triVerts[i * 3 + j] > maxVertex) maxVertex = triVerts[i * 3 + j];
    }
    k++;
  }
  const minLength = (maxVertex + 1) * 3;

  return {
    resolution: R,
    mask,
    pixels,
    vertexIndices,
    weights,
    landmarkPixels,
    positionMap(vertices: Float32Array, out?: Float32Array): Float32Array {
      if (vertices.length < minLength) {
        throw new InvalidArgumentError(
          `positionMap needs at least ${minLength} vertex coordinates, got ${vertices.length}`,
        );
      }
      const result = out ?? new Float32Array(pixelCount * 3);
      if (result.length !== pixelCount * 3) {
        throw new InvalidArgumentError(`positionMap out must have ${pixelCount * 3} floats, got ${result.length}`);
      }
      if (out) result.fill(0);
      for (let k = 0; k < count; k++) {
        const k3 = k * 3;
        const a = vertexIndices[k3] * 3;
        const b = vertexIndices[k3 + 1] * 3;
        const c = vertexIndices[k3 + 2] * 3;
        const wa = weights[k3];
        const wb = weights[k3 + 1];
        const wc = weights[k3 + 2];
        const p = pixels[k] * 3;
        result[p] = wa * vertices[a] + wb * vertices[b] + wc * vertices[c];
        result[p + 1] = wa * vertices[a + 1] + wb * vertices[b + 1] + wc * vertices[c + 1];
        result[p + 2] = wa * vertices[a + 2] + wb * vertices[b + 2] + wc * vertices[c + 2];
      }
      return result;
    },
  };
}

/**
 * The mask pixel not in `taken` whose centre is nearest to the pixel-space point (x, y)
 * (x = column, y = row, pixel centres at integers). Throws if the mask has no free pixel.
 */
function nearestFreeMaskPixel(mask: Uint8Array, R: number, x: number, y: number, taken: Set<number>): number {
  const c0 = Math.min(R - 1, Math.max(0, Math.round(x)));
  const r0 = Math.min(R - 1, Math.max(0, Math.round(y)));
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let radius = 0; radius < R; radius++) {
    // Once a candidate is found, any pixel on ring `radius` is at least `radius - 1` away.
    if (best >= 0 && radius - 1 > Math.sqrt(bestDistance)) break;
    for (let r = r0 - radius; r <= r0 + radius; r++) {
      if (r < 0 || r >= R) continue;
      const onEdgeRow = r === r0 - radius || r === r0 + radius;
      for (let c = c0 - radius; c <= c0 + radius; c += onEdgeRow ? 1 : 2 * radius || 1) {
        if (c < 0 || c >= R) continue;
        const pixel = r * R + c;
        if (mask[pixel] === 0 || taken.has(pixel)) continue;
        const d = (c - x) * (c - x) + (r - y) * (r - y);
        if (d < bestDistance) {
          bestDistance = d;
          best = pixel;
        }
      }
    }
  }
  if (best < 0) throw new InvalidArgumentError('no free mask pixel left for a landmark');
  return best;
}

import type { RgbImage } from './core-deps.js';
import { linearToSrgbLut } from './procedural.js';

/**
 * A z-buffered triangle rasteriser over flat typed arrays (orthographic / weak-perspective:
 * attributes and depth are interpolated linearly in screen space).
 *
 * Frame: the image frame of `conventions.ts` — x right, y down, pixels, the centre of pixel
 * (col c, row r) at (c + 0.5, r + 0.5); z towards the viewer, so a LARGER z wins the depth test.
 * A pixel is covered when its centre lies inside the triangle; centres exactly on an edge follow
 * the top-left rule, so two triangles sharing an edge never both cover (or both miss) a pixel.
 */
export interface RasterTarget {
  readonly width: number;
  readonly height: number;
  /** [W*H*3] linear-light RGB (any 3-channel attribute), row-major, top row first. */
  readonly color: Float32Array;
  /** [W*H] depth of the front-most surface (image-frame z); −Infinity where nothing was drawn. */
  readonly depth: Float32Array;
  /** [W*H] id of the triangle that won each pixel (see `TriangleBatch.ids`); −1 where nothing was drawn. */
  readonly ids: Int32Array;
}

/**
 * Which triangles to skip. Front-facing = counter-clockwise as the viewer sees it (outward normal
 * towards the viewer for the ICT mesh's winding), i.e. a negative signed area in image coordinates.
 */
export type CullMode = 'none' | 'back' | 'front';

/** Triangles to draw, indexing a shared vertex array. */
export interface TriangleBatch {
  /** [N*3] vertex positions in the image frame (x, y in pixels, z towards the viewer). */
  readonly positions: Float32Array;
  /** [N*3] per-vertex attributes interpolated across each triangle (e.g. linear RGB). */
  readonly colors: Float32Array;
  /** [T*3] vertex indices. */
  readonly triangles: Uint32Array;
  /** [T] id written to `RasterTarget.ids` per triangle. Default: the triangle's index in `triangles`. */
  readonly ids?: Int32Array;
  /** Default 'none'. */
  readonly cull?: CullMode;
  /**
   * [W*H] optional coverage counter: incremented for every pixel whose centre passes the edge
   * test, before the depth test (for testing the fill rule).
   */
  readonly coverage?: Uint32Array;
}

/** Allocates a cleared target: colour 0, depth −Infinity, ids −1. */
export function createRasterTarget(width: number, height: number): RasterTarget {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`raster target needs positive integer width/height, got ${width}×${height}`);
  }
  const target: RasterTarget = {
    width,
    height,
    color: new Float32Array(width * height * 3),
    depth: new Float32Array(width * height),
    ids: new Int32Array(width * height),
  };
  clearRasterTarget(target);
  return target;
}

/** Resets depth to −Infinity, ids to −1 and colour to `background` (linear RGB, default black). */
export function clearRasterTarget(target: RasterTarget, background: readonly [number, number, number] = [0, 0, 0]): void {
  target.depth.fill(-Infinity);
  target.ids.fill(-1);
  const [r, g, b] = background;
  const c = target.color;
  if (r === 0 && g === 0 && b === 0) {
    c.fill(0);
    return;
  }
  for (let i = 0; i < c.length; i += 3) {
    c[i] = r;
    c[i + 1] = g;
    c[i + 2] = b;
  }
}

/**
 * Rasterises triangles `[first, first + count)` of `batch` into `target` with a depth test
 * (strictly larger z wins, so the first of two coplanar surfaces stays).
 * Returns the number of pixels written.
 */
export function rasteriseTriangles(target: RasterTarget, batch: TriangleBatch, first = 0, count?: number): number {
  const { width: W, height: H, color, depth, ids } = target;
  const { positions: P, colors: C, triangles: T, coverage } = batch;
  const triIds = batch.ids;
  const cull = batch.cull ?? 'none';
  const end = Math.min(T.length / 3, first + (count ?? T.length / 3));
  let written = 0;
  for (let t = first; t < end; t++) {
    const ia = T[t * 3];
    let ib = T[t * 3 + 1];
    let ic = T[t * 3 + 2];
    const ax = P[ia * 3];
    const ay = P[ia * 3 + 1];
    let bx = P[ib * 3];
    let by = P[ib * 3 + 1];
    let cx = P[ic * 3];
    let cy = P[ic * 3 + 1];
    // Twice the signed area in image coordinates (y down): negative ⇔ front-facing (CCW in y-up).
    let area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    if (area === 0 || !Number.isFinite(area)) continue;
    if (cull === 'back' && area > 0) continue;
    if (cull === 'front' && area < 0) continue;
    if (area < 0) {
      // Swap b and c so that the edge functions are positive inside.
      const tmp = ib;
      ib = ic;
      ic = tmp;
      bx = P[ib * 3];
      by = P[ib * 3 + 1];
      cx = P[ic * 3];
      cy = P[ic * 3 + 1];
      area = -area;
    }
    // Pixel-centre bounds (centre of col c is c + 0.5).
    let c0 = Math.ceil(Math.min(ax, bx, cx) - 0.5);
    let c1 = Math.floor(Math.max(ax, bx, cx) - 0.5);
    let r0 = Math.ceil(Math.min(ay, by, cy) - 0.5);
    let r1 = Math.floor(Math.max(ay, by, cy) - 0.5);
    if (c0 < 0) c0 = 0;
    if (r0 < 0) r0 = 0;
    if (c1 > W - 1) c1 = W - 1;
    if (r1 > H - 1) r1 = H - 1;
    if (c0 > c1 || r0 > r1) continue;

    // Edge functions e(p) = (q − p0) × (p − p0); w0 weights a (edge b→c), w1 weights b (c→a), w2 weights c (a→b).
    const e0dx = -(cy - by);
    const e1dx = -(ay - cy);
    const e2dx = -(by - ay);
    // Top-left rule (for this orientation): an edge is top-left if it goes up (dy < 0) or right along a horizontal.
    const tl0 = cy - by < 0 || (cy - by === 0 && cx - bx > 0);
    const tl1 = ay - cy < 0 || (ay - cy === 0 && ax - cx > 0);
    const tl2 = by - ay < 0 || (by - ay === 0 && bx - ax > 0);

    const inv = 1 / area;
    const za = P[ia * 3 + 2];
    const zb = P[ib * 3 + 2];
    const zc = P[ic * 3 + 2];
    const ra = C[ia * 3];
    const ga = C[ia * 3 + 1];
    const ba = C[ia * 3 + 2];
    const rb = C[ib * 3];
    const gb = C[ib * 3 + 1];
    const bb = C[ib * 3 + 2];
    const rc = C[ic * 3];
    const gc = C[ic * 3 + 1];
    const bc = C[ic * 3 + 2];
    const id = triIds ? triIds[t] : t;

    const px0 = c0 + 0.5;
    for (let r = r0; r <= r1; r++) {
      const py = r + 0.5;
      let w0 = (cx - bx) * (py - by) - (cy - by) * (px0 - bx);
      let w1 = (ax - cx) * (py - cy) - (ay - cy) * (px0 - cx);
      let w2 = (bx - ax) * (py - ay) - (by - ay) * (px0 - ax);
      let pix = r * W + c0;
      for (let c = c0; c <= c1; c++, pix++, w0 += e0dx, w1 += e1dx, w2 += e2dx) {
        if (!(w0 > 0 || (w0 === 0 && tl0))) continue;
        if (!(w1 > 0 || (w1 === 0 && tl1))) continue;
        if (!(w2 > 0 || (w2 === 0 && tl2))) continue;
        if (coverage) coverage[pix]++;
        const l0 = w0 * inv;
        const l1 = w1 * inv;
        const l2 = w2 * inv;
        const z = l0 * za + l1 * zb + l2 * zc;
        if (!(z > depth[pix])) continue;
        depth[pix] = z;
        ids[pix] = id;
        const o = pix * 3;
        color[o] = l0 * ra + l1 * rb + l2 * rc;
        color[o + 1] = l0 * ga + l1 * gb + l2 * gc;
        color[o + 2] = l0 * ba + l1 * bb + l2 * bc;
        written++;
      }
    }
  }
  return written;
}

/**
 * Box-downsamples a target rendered at `factor`× the output size: colours are averaged; depth
 * and id come from the front-most sub-sample (depth divided by `factor`, back to output pixels).
 */
export function downsampleTarget(src: RasterTarget, factor: number): RasterTarget {
  if (factor === 1) return src;
  const W = Math.floor(src.width / factor);
  const H = Math.floor(src.height / factor);
  const dst = createRasterTarget(W, H);
  const norm = 1 / (factor * factor);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      let sr = 0;
      let sg = 0;
      let sb = 0;
      let best = -Infinity;
      let bestId = -1;
      for (let dy = 0; dy < factor; dy++) {
        let s = (r * factor + dy) * src.width + c * factor;
        for (let dx = 0; dx < factor; dx++, s++) {
          sr += src.color[s * 3];
          sg += src.color[s * 3 + 1];
          sb += src.color[s * 3 + 2];
          if (src.depth[s] > best) {
            best = src.depth[s];
            bestId = src.ids[s];
          }
        }
      }
      const d = r * W + c;
      dst.color[d * 3] = sr * norm;
      dst.color[d * 3 + 1] = sg * norm;
      dst.color[d * 3 + 2] = sb * norm;
      dst.depth[d] = best / factor;
      dst.ids[d] = bestId;
    }
  }
  return dst;
}

/**
 * Encodes the target's linear-light colour as an 8-bit sRGB `RgbImage` (3 channels), clamping
 * to [0, 1]. `noise` adds N(0, noise²) per channel in 8-bit units, drawn from `rng`.
 */
export function targetToRgbImage(target: RasterTarget, noise = 0, rng?: () => number): RgbImage {
  const lut = linearToSrgbLut();
  const n = target.width * target.height * 3;
  const data = new Uint8Array(n);
  const src = target.color;
  for (let i = 0; i < n; i++) {
    const x = src[i];
    data[i] = lut[x <= 0 ? 0 : x >= 1 ? 4095 : (x * 4095 + 0.5) | 0];
  }
  if (noise > 0 && rng) {
    for (let i = 0; i < n; i += 2) {
      const u = Math.max(rng(), 1e-12);
      const v = 2 * Math.PI * rng();
      const m = Math.sqrt(-2 * Math.log(u)) * noise;
      const a = data[i] + m * Math.cos(v);
      data[i] = a < 0 ? 0 : a > 255 ? 255 : a;
      if (i + 1 < n) {
        const b = data[i + 1] + m * Math.sin(v);
        data[i + 1] = b < 0 ? 0 : b > 255 ? 255 : b;
      }
    }
  }
  return { width: target.width, height: target.height, channels: 3, data };
}

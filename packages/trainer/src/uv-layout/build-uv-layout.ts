import { REGION, assembleUvLayout, type UvLayout } from '@prnet/core';
import type { IctModel } from '../ict/ict-model.js';
import { createUvRasteriser, faceVertexUvs, type UvRasteriser } from './uv-rasteriser.js';

/** Tuning of `buildUvLayout`. */
export interface BuildUvLayoutOptions {
  /** Dilation of the eye polygons (landmarks 36–41, 42–47), in UV units. Default 0.02 (5 px at 256). */
  eyeDilation?: number;
  /** Dilation of the nose polygon (convex hull of landmarks 27–35), in UV units. Default 0.012. */
  noseDilation?: number;
  /** Dilation of the mouth polygon (outer lip, landmarks 48–59), in UV units. Default 0.015. */
  mouthDilation?: number;
  /** A rasteriser already built for this model and resolution (saves ~15 ms). */
  rasteriser?: UvRasteriser;
}

const DEFAULT_OPTIONS = { eyeDilation: 0.02, noseDilation: 0.012, mouthDilation: 0.015 } as const;

/**
 * Builds the UV layout of the ICT face area at `resolution`: mask and dense vertices from the
 * rasteriser, a grid triangulation that keeps eye and mouth slits open (no grid edge crosses a
 * boundary edge of the face mesh in UV space), landmark pixels, regions, PRNet weights and the
 * neutral face (model frame, cm) as `meanFace`.
 */
export function buildUvLayout(model: IctModel, resolution: number, options: BuildUvLayoutOptions = {}): UvLayout {
  const R = resolution;
  const rasteriser = options.rasteriser ?? createUvRasteriser(model, R);
  if (rasteriser.resolution !== R) throw new Error(`rasteriser resolution ${rasteriser.resolution} ≠ ${R}`);
  const { mask } = rasteriser;
  const vertexUv = faceVertexUvs(model);

  // Regions from landmark polygons in pixel space (x = column, y = row).
  const landmarkPoint = (k: number): [number, number] => {
    const v = model.landmarks68[k];
    return [vertexUv[v * 2] * R - 0.5, (1 - vertexUv[v * 2 + 1]) * R - 0.5];
  };
  const range = (a: number, b: number): [number, number][] => {
    const points: [number, number][] = [];
    for (let k = a; k <= b; k++) points.push(landmarkPoint(k));
    return points;
  };
  const eyeDilation = (options.eyeDilation ?? DEFAULT_OPTIONS.eyeDilation) * R;
  const noseDilation = (options.noseDilation ?? DEFAULT_OPTIONS.noseDilation) * R;
  const mouthDilation = (options.mouthDilation ?? DEFAULT_OPTIONS.mouthDilation) * R;
  // Later entries override earlier ones where dilated regions overlap.
  const regionPolygons: { label: number; polygon: [number, number][]; dilation: number }[] = [
    { label: REGION.NOSE, polygon: convexHull(range(27, 35)), dilation: noseDilation },
    { label: REGION.MOUTH, polygon: range(48, 59), dilation: mouthDilation },
    { label: REGION.EYE_IMAGE_LEFT, polygon: range(36, 41), dilation: eyeDilation },
    { label: REGION.EYE_IMAGE_RIGHT, polygon: range(42, 47), dilation: eyeDilation },
  ];
  const regions = new Uint8Array(R * R);
  for (const pixel of rasteriser.pixels) {
    const x = pixel % R;
    const y = Math.floor(pixel / R);
    let label: number = REGION.FACE;
    for (const region of regionPolygons) {
      if (insideDilatedPolygon(region.polygon, region.dilation, x, y)) label = region.label;
    }
    regions[pixel] = label;
  }

  const cellTriangles = gridTriangulation(model, R, mask, vertexUv);

  const positions = rasteriser.positionMap(model.neutral);
  const n = rasteriser.pixels.length;
  const meanFaceValues = new Float32Array(n * 3);
  for (let k = 0; k < n; k++) {
    const p = rasteriser.pixels[k] * 3;
    meanFaceValues[k * 3] = positions[p];
    meanFaceValues[k * 3 + 1] = positions[p + 1];
    meanFaceValues[k * 3 + 2] = positions[p + 2];
  }
  return assembleUvLayout({
    resolution: R,
    regions,
    landmarkPixels: rasteriser.landmarkPixels,
    cellTriangles,
    meanFaceValues,
  });
}

/**
 * The boundary edges of the face area (edges used by one face polygon only, by vertex index:
 * the outline, the eye openings and the mouth slit) as segments in pixel space,
 * [S*4] (x0, y0, x1, y1) with x = u·R − 0.5, y = (1 − v)·R − 0.5.
 */
export function faceBoundarySegments(model: IctModel, R: number, vertexUv = faceVertexUvs(model)): Float64Array {
  const edgeCount = new Map<number, number>();
  const V = model.vertexCount;
  for (let p = 0; p <= model.facePolygonEnd; p++) {
    const corners = model.faces[p * 4 + 3] < 0 ? 3 : 4;
    for (let k = 0; k < corners; k++) {
      const a = model.faces[p * 4 + k];
      const b = model.faces[p * 4 + ((k + 1) % corners)];
      const key = Math.min(a, b) * V + Math.max(a, b);
      edgeCount.set(key, (edgeCount.get(key) ?? 0) + 1);
    }
  }
  const segments: number[] = [];
  for (const [key, count] of edgeCount) {
    if (count !== 1) continue;
    const a = Math.floor(key / V);
    const b = key % V;
    segments.push(
      vertexUv[a * 2] * R - 0.5,
      (1 - vertexUv[a * 2 + 1]) * R - 0.5,
      vertexUv[b * 2] * R - 0.5,
      (1 - vertexUv[b * 2 + 1]) * R - 0.5,
    );
  }
  return Float64Array.from(segments);
}

/**
 * Per grid cell (row-major, (R−1)²), the bits of the `CELL_TRIANGLES` it holds: a triangle is kept
 * when its three corners are mask pixels and none of its edges crosses a face boundary segment.
 * A full cell uses diagonal A–D unless diagonal B–C keeps more triangles.
 */
function gridTriangulation(model: IctModel, R: number, mask: Uint8Array, vertexUv: Float64Array): Uint8Array {
  const segments = faceBoundarySegments(model, R, vertexUv);
  const segmentCount = segments.length / 4;
  // Bucket the segments by the pixel cells their bounding boxes touch.
  const buckets = new Map<number, number[]>();
  for (let s = 0; s < segmentCount; s++) {
    const x0 = Math.floor(Math.min(segments[s * 4], segments[s * 4 + 2]));
    const x1 = Math.floor(Math.max(segments[s * 4], segments[s * 4 + 2]));
    const y0 = Math.floor(Math.min(segments[s * 4 + 1], segments[s * 4 + 3]));
    const y1 = Math.floor(Math.max(segments[s * 4 + 1], segments[s * 4 + 3]));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const key = (y + 1) * (R + 2) + (x + 1);
        let list = buckets.get(key);
        if (!list) buckets.set(key, (list = []));
        list.push(s);
      }
    }
  }
  const stamp = new Int32Array(segmentCount).fill(-1);
  let query = 0;
  /** True when the segment between pixel centres (ax, ay)–(bx, by) crosses or touches a boundary segment. */
  const crosses = (ax: number, ay: number, bx: number, by: number): boolean => {
    query++;
    for (let y = Math.min(ay, by) - 1; y <= Math.max(ay, by); y++) {
      for (let x = Math.min(ax, bx) - 1; x <= Math.max(ax, bx); x++) {
        const list = buckets.get((y + 1) * (R + 2) + (x + 1));
        if (!list) continue;
        for (const s of list) {
          if (stamp[s] === query) continue;
          stamp[s] = query;
          if (segmentsIntersect(ax, ay, bx, by, segments[s * 4], segments[s * 4 + 1], segments[s * 4 + 2], segments[s * 4 + 3])) {
            return true;
          }
        }
      }
    }
    return false;
  };

  const cells = R - 1;
  const bits = new Uint8Array(cells * cells);
  // Corner k of cell (r, c): A = (r, c), B = (r, c+1), C = (r+1, c), D = (r+1, c+1).
  const cx = [0, 1, 0, 1];
  const cy = [0, 0, 1, 1];
  // Corners of triangle k (omit corner k), matching core's CELL_TRIANGLES.
  const omit = [
    [1, 2, 3],
    [0, 2, 3],
    [0, 3, 1],
    [0, 2, 1],
  ];
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      let present = 0;
      for (let k = 0; k < 4; k++) if (mask[(r + cy[k]) * R + c + cx[k]] === 1) present |= 1 << k;
      const valid = (k: number): boolean => {
        const tri = omit[k];
        for (let j = 0; j < 3; j++) if ((present & (1 << tri[j])) === 0) return false;
        for (let j = 0; j < 3; j++) {
          const p = tri[j];
          const q = tri[(j + 1) % 3];
          if (crosses(c + cx[p], r + cy[p], c + cx[q], r + cy[q])) return false;
        }
        return true;
      };
      let cellBits = 0;
      if (present === 15) {
        const ad = (valid(1) ? 2 : 0) | (valid(2) ? 4 : 0);
        cellBits = ad;
        if (ad !== 6) {
          const bc = (valid(0) ? 1 : 0) | (valid(3) ? 8 : 0);
          if (popcount(bc) > popcount(ad)) cellBits = bc;
        }
      } else if (popcount(present) === 3) {
        const k = [0, 1, 2, 3].find((j) => (present & (1 << j)) === 0)!;
        if (valid(k)) cellBits = 1 << k;
      }
      bits[r * cells + c] = cellBits;
    }
  }
  return bits;
}

function popcount(bits: number): number {
  return (bits & 1) + ((bits >> 1) & 1) + ((bits >> 2) & 1) + ((bits >> 3) & 1);
}

function orientation(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const value = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return Math.abs(value) < 1e-12 ? 0 : Math.sign(value);
}

/** Closed segment intersection (touching counts), for segments p1–p2 and q1–q2. */
function segmentsIntersect(
  p1x: number, p1y: number, p2x: number, p2y: number,
  q1x: number, q1y: number, q2x: number, q2y: number,
): boolean {
  const o1 = orientation(p1x, p1y, p2x, p2y, q1x, q1y);
  const o2 = orientation(p1x, p1y, p2x, p2y, q2x, q2y);
  const o3 = orientation(q1x, q1y, q2x, q2y, p1x, p1y);
  const o4 = orientation(q1x, q1y, q2x, q2y, p2x, p2y);
  if (o1 !== o2 && o3 !== o4) return true;
  const onSegment = (ax: number, ay: number, bx: number, by: number, x: number, y: number): boolean =>
    Math.min(ax, bx) <= x && x <= Math.max(ax, bx) && Math.min(ay, by) <= y && y <= Math.max(ay, by);
  if (o1 === 0 && onSegment(p1x, p1y, p2x, p2y, q1x, q1y)) return true;
  if (o2 === 0 && onSegment(p1x, p1y, p2x, p2y, q2x, q2y)) return true;
  if (o3 === 0 && onSegment(q1x, q1y, q2x, q2y, p1x, p1y)) return true;
  if (o4 === 0 && onSegment(q1x, q1y, q2x, q2y, p2x, p2y)) return true;
  return false;
}

/** Convex hull (counter-clockwise in pixel space) of a point set, by the monotone chain. */
function convexHull(points: [number, number][]): [number, number][] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** True when (x, y) lies inside the polygon or within `dilation` of its outline. */
function insideDilatedPolygon(polygon: [number, number][], dilation: number, x: number, y: number): boolean {
  let inside = false;
  let nearest = Number.POSITIVE_INFINITY;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    const dx = xj - xi;
    const dy = yj - yi;
    const t = Math.max(0, Math.min(1, ((x - xi) * dx + (y - yi) * dy) / (dx * dx + dy * dy || 1)));
    nearest = Math.min(nearest, Math.hypot(x - (xi + t * dx), y - (yi + t * dy)));
  }
  return inside || nearest <= dilation;
}

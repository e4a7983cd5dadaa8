import { assertTriangles, assertVertices } from './validate.js';
import { isFrontFacing, rasterizeDepth } from './rasterize.js';

export interface VisibilityOptions {
  /** Cells of the z-buffer along the longer side of the vertices' bounding box. Default 512. */
  gridSize?: number;
  /**
   * How far (image z units) a vertex may lie behind the z-buffer and still count as visible.
   * Default 2 × the mean 3D triangle edge length.
   */
  depthTolerance?: number;
}

/**
 * Which vertices the camera sees: a vertex is visible when at least one of its triangles faces
 * the viewer (back-face test, see `isFrontFacing`) and no surface lies in front of it (z-buffer
 * over the image plane; z towards the viewer, so larger z wins).
 *
 * @param vertices [N*3] image-frame points (x right, y down, z towards the viewer).
 * @param triangles [T*3] vertex indices, counter-clockwise from the front in the y-up frame
 *   (`UvLayout.triangles`). Vertices in no triangle are invisible.
 * @returns [N] 1 = visible, 0 = hidden.
 */
export function vertexVisibility(
  vertices: ArrayLike<number>,
  triangles: ArrayLike<number>,
  options: VisibilityOptions = {},
): Uint8Array {
  assertVertices(vertices);
  const n = vertices.length / 3;
  assertTriangles(triangles, n);
  const visible = new Uint8Array(n);
  if (n === 0 || triangles.length === 0) return visible;

  const frontVertex = new Uint8Array(n);
  let edgeSum = 0;
  for (let t = 0; t < triangles.length; t += 3) {
    const a = triangles[t];
    const b = triangles[t + 1];
    const c = triangles[t + 2];
    if (isFrontFacing(vertices, a, b, c)) frontVertex[a] = frontVertex[b] = frontVertex[c] = 1;
    edgeSum += distance(vertices, a, b) + distance(vertices, b, c) + distance(vertices, c, a);
  }
  const tolerance = options.depthTolerance ?? (2 * edgeSum) / triangles.length;

  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let k = 0; k < n; k++) {
    const x = vertices[3 * k];
    const y = vertices[3 * k + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!Number.isFinite(x0 + x1 + y0 + y1)) return visible;
  const gridSize = options.gridSize ?? 512;
  const cell = Math.max(x1 - x0, y1 - y0, 1e-6) / (gridSize - 1);
  // Pad by one cell so every vertex lies inside the grid.
  const originX = x0 - cell;
  const originY = y0 - cell;
  const width = Math.ceil((x1 - x0) / cell) + 3;
  const height = Math.ceil((y1 - y0) / cell) + 3;
  const depth = rasterizeDepth(vertices, triangles, width, height, { originX, originY, cellSize: cell });

  for (let k = 0; k < n; k++) {
    if (!frontVertex[k]) continue;
    const c = Math.floor((vertices[3 * k] - originX) / cell);
    const r = Math.floor((vertices[3 * k + 1] - originY) / cell);
    const zBuffer = depth[r * width + c];
    if (!(vertices[3 * k + 2] < zBuffer - tolerance)) visible[k] = 1;
  }
  return visible;
}

function distance(v: ArrayLike<number>, a: number, b: number): number {
  return Math.hypot(v[3 * a] - v[3 * b], v[3 * a + 1] - v[3 * b + 1], v[3 * a + 2] - v[3 * b + 2]);
}

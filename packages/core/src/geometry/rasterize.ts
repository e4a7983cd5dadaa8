/** Options of `rasterizeDepth`. */
export interface RasterOptions {
  /** Image-frame x of the grid's left edge. Default 0. */
  originX?: number;
  /** Image-frame y of the grid's top edge. Default 0. */
  originY?: number;
  /** Side of one grid cell in image pixels. Default 1. */
  cellSize?: number;
}

/**
 * Z-buffered triangle raster on a regular grid over the image frame (x right, y down, z towards
 * the viewer, so the larger z wins). Cell (c, r) covers the point
 * (originX + (c + 0.5)·cellSize, originY + (r + 0.5)·cellSize); a triangle covers a cell when that
 * point lies inside it (edges included), and its depth there is the barycentric interpolation of
 * its vertices' z. Both windings are drawn.
 *
 * @param vertices [N*3] image-frame points. @param triangles [T*3] vertex indices.
 * @returns [width*height] depth per cell, −Infinity where no triangle covers it.
 */
export function rasterizeDepth(
  vertices: ArrayLike<number>,
  triangles: ArrayLike<number>,
  width: number,
  height: number,
  options: RasterOptions = {},
): Float32Array {
  const ox = options.originX ?? 0;
  const oy = options.originY ?? 0;
  const cell = options.cellSize ?? 1;
  const inv = 1 / cell;
  const depth = new Float32Array(width * height).fill(-Infinity);
  const eps = -1e-7;
  for (let t = 0; t + 2 < triangles.length; t += 3) {
    const a = 3 * triangles[t];
    const b = 3 * triangles[t + 1];
    const c = 3 * triangles[t + 2];
    // Grid coordinates in which cell centres sit on integers.
    const x0 = (vertices[a] - ox) * inv - 0.5;
    const y0 = (vertices[a + 1] - oy) * inv - 0.5;
    const x1 = (vertices[b] - ox) * inv - 0.5;
    const y1 = (vertices[b + 1] - oy) * inv - 0.5;
    const x2 = (vertices[c] - ox) * inv - 0.5;
    const y2 = (vertices[c + 1] - oy) * inv - 0.5;
    const area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (!(Math.abs(area) > 1e-12)) continue; // degenerate or NaN
    const cMin = Math.max(0, Math.ceil(Math.min(x0, x1, x2)));
    const cMax = Math.min(width - 1, Math.floor(Math.max(x0, x1, x2)));
    const rMin = Math.max(0, Math.ceil(Math.min(y0, y1, y2)));
    const rMax = Math.min(height - 1, Math.floor(Math.max(y0, y1, y2)));
    if (cMin > cMax || rMin > rMax) continue;
    const z0 = vertices[a + 2];
    const z1 = vertices[b + 2];
    const z2 = vertices[c + 2];
    const invArea = 1 / area;
    for (let r = rMin; r <= rMax; r++) {
      for (let col = cMin; col <= cMax; col++) {
        // Barycentric weights of the cell centre (col, r).
        const w0 = ((x1 - col) * (y2 - r) - (x2 - col) * (y1 - r)) * invArea;
        const w1 = ((x2 - col) * (y0 - r) - (x0 - col) * (y2 - r)) * invArea;
        const w2 = 1 - w0 - w1;
        if (w0 < eps || w1 < eps || w2 < eps) continue;
        const z = w0 * z0 + w1 * z1 + w2 * z2;
        const i = r * width + col;
        if (z > depth[i]) depth[i] = z;
      }
    }
  }
  return depth;
}

/**
 * Whether a triangle faces the viewer in the image frame. Mesh triangles are counter-clockwise
 * seen from the front in the right-handed y-up frame (`UvLayout.triangles`); the image frame flips
 * y, so a front-facing triangle has a negative signed area (x1−x0)(y2−y0) − (x2−x0)(y1−y0) there.
 */
export function isFrontFacing(vertices: ArrayLike<number>, a: number, b: number, c: number): boolean {
  const ax = vertices[3 * a];
  const ay = vertices[3 * a + 1];
  const area =
    (vertices[3 * b] - ax) * (vertices[3 * c + 1] - ay) - (vertices[3 * c] - ax) * (vertices[3 * b + 1] - ay);
  return area < 0;
}

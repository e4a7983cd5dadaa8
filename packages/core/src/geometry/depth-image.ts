import { InvalidArgumentError } from '../errors.js';
import type { RgbImage } from '../image/rgb-image.js';
import { rasterizeDepth } from './rasterize.js';
import { assertTriangles, assertVertices } from './validate.js';

/** A rendered depth map of a mesh in the image frame. */
export interface DepthImage {
  /** [height*width] z (image frame, larger = closer) of the nearest surface at each pixel centre; NaN where empty. */
  readonly depth: Float32Array;
  /** 1-channel rendering: 255 at the nearest depth, 0 at the farthest and where empty (PRNet's depth image). */
  readonly gray: RgbImage;
}

/**
 * Z-buffered raster of a triangle mesh at the image's pixel centres (c + 0.5, r + 0.5), with
 * barycentric z interpolation; both windings are drawn, the larger z wins.
 * @param vertices [N*3] image-frame points. @param triangles [T*3] vertex indices.
 * @param width image width in pixels. @param height image height in pixels.
 */
export function depthImage(
  vertices: ArrayLike<number>,
  triangles: ArrayLike<number>,
  width: number,
  height: number,
): DepthImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidArgumentError(`depthImage needs a positive integer size, got ${width}×${height}`);
  }
  assertVertices(vertices);
  assertTriangles(triangles, vertices.length / 3);
  const depth = rasterizeDepth(vertices, triangles, width, height);
  let zMin = Infinity;
  let zMax = -Infinity;
  for (let i = 0; i < depth.length; i++) {
    const z = depth[i];
    if (z === -Infinity) {
      depth[i] = NaN;
      continue;
    }
    if (z < zMin) zMin = z;
    if (z > zMax) zMax = z;
  }
  const data = new Uint8Array(width * height);
  const range = zMax - zMin;
  for (let i = 0; i < depth.length; i++) {
    const z = depth[i];
    if (Number.isNaN(z)) continue;
    data[i] = range > 0 ? Math.round(((z - zMin) / range) * 255) : 255;
  }
  return { depth, gray: { width, height, channels: 1, data } };
}

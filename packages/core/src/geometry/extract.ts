import type { UvLayout } from '../uv/layout.js';
import { assertPositionMap, outputArray } from './validate.js';

/**
 * The 68 Multi-PIE landmarks: the position map read at `layout.landmarkPixels`.
 * @param pm [R*R*3] position map (any frame; usually the image frame, pixels).
 * @returns [68*3] xyz per landmark, in the frame of `pm` (written into `out` when given).
 */
export function landmarks68(pm: Float32Array, layout: UvLayout, out?: Float32Array): Float32Array {
  assertPositionMap(pm, layout);
  return gather(pm, layout.landmarkPixels, outputArray(out, layout.landmarkPixels.length * 3));
}

/**
 * The dense vertices: the position map read at `layout.vertexPixels` (triangles: `layout.triangles`).
 * @returns [N*3] xyz per vertex, N = `layout.vertexPixels.length`, in the frame of `pm`.
 */
export function denseVertices(pm: Float32Array, layout: UvLayout, out?: Float32Array): Float32Array {
  assertPositionMap(pm, layout);
  return gather(pm, layout.vertexPixels, outputArray(out, layout.vertexPixels.length * 3));
}

/**
 * Texture coordinates of the dense vertices: the UV of each vertex's pixel centre,
 * u = (c + 0.5) / R, v = 1 − (r + 0.5) / R (v up, OBJ/glTF-style; see `uv/layout.ts`).
 * @returns [N*2] (u, v) per vertex, in (0, 1).
 */
export function vertexUvs(layout: UvLayout, out?: Float32Array): Float32Array {
  const R = layout.resolution;
  const pixels = layout.vertexPixels;
  const result = outputArray(out, pixels.length * 2);
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    const r = Math.floor(p / R);
    result[2 * k] = (p - r * R + 0.5) / R;
    result[2 * k + 1] = 1 - (r + 0.5) / R;
  }
  return result;
}

function gather(pm: Float32Array, pixels: Uint32Array, out: Float32Array): Float32Array {
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k] * 3;
    out[3 * k] = pm[p];
    out[3 * k + 1] = pm[p + 1];
    out[3 * k + 2] = pm[p + 2];
  }
  return out;
}

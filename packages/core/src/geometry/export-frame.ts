/**
 * Every coordinate flip between this package's frames and mesh files, in one place.
 *
 * Mesh files (OBJ, PLY) are written in a right-handed, y-up frame so that viewers show the face
 * upright and facing the camera:
 * - positions: image frame (x right, y down, z towards the viewer, pixels) → (x, −y, z);
 *   the model frame (cm, y up, z out of the face, e.g. `frontalise` output) is already y-up and
 *   is written as is.
 * - triangles: written in their given corner order. Mesh triangles here (`UvLayout.triangles`)
 *   are counter-clockwise seen from the front in a y-up frame; the image frame is the y-up frame
 *   mirrored in y, and the export flip undoes that mirror, so the order stays counter-clockwise
 *   seen from the viewer and the normals (right-hand rule) point towards the viewer (+z).
 * - indices: OBJ counts from 1, PLY from 0.
 * - texture coordinates: (u, v) with v up, as in `vertexUvs` and the OBJ `vt` convention.
 */

/** The frame a mesh's positions are given in: `image` (y down, default) or `model` (y up). */
export type MeshFrame = 'image' | 'model';

/** OBJ's first vertex index. */
export const OBJ_INDEX_BASE = 1;

/** Multiplier of y between `frame` and the export frame. */
function ySign(frame: MeshFrame): number {
  return frame === 'image' ? -1 : 1;
}

/** Positions in `frame` → export frame (a new Float32Array; flat xyz). */
export function toExportFrame(vertices: ArrayLike<number>, frame: MeshFrame = 'image'): Float32Array {
  const out = Float32Array.from(vertices);
  const s = ySign(frame);
  for (let i = 1; i < out.length; i += 3) out[i] *= s;
  return out;
}

/** Export-frame positions → `frame`, in place; returns `vertices`. The inverse of `toExportFrame`. */
export function fromExportFrame(vertices: Float32Array, frame: MeshFrame = 'image'): Float32Array {
  const s = ySign(frame);
  for (let i = 1; i < vertices.length; i += 3) vertices[i] *= s;
  return vertices;
}

/** Writes the corners of triangle `t` in export order (identity, see above) into `out`. */
export function exportTriangle(triangles: ArrayLike<number>, t: number, out: number[]): number[] {
  out[0] = triangles[3 * t];
  out[1] = triangles[3 * t + 1];
  out[2] = triangles[3 * t + 2];
  return out;
}

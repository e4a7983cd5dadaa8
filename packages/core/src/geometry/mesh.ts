import { InvalidArgumentError } from '../errors.js';
import { assertTriangles, assertVertices } from './validate.js';

/** A triangle mesh as flat typed arrays. */
export interface Mesh {
  /** [N*3] positions (image frame unless told otherwise). */
  readonly vertices: Float32Array;
  /** [T*3] 0-based vertex indices, counter-clockwise from the front in the y-up frame. */
  readonly triangles: Uint32Array;
  /** [N*3] per-vertex RGB: Float32Array in 0..1 or Uint8Array in 0..255. */
  readonly colors?: Float32Array | Uint8Array;
  /** [N*2] per-vertex texture coordinates (u, v), v up. */
  readonly uvs?: Float32Array;
}

/** Throws `InvalidArgumentError` unless the mesh's arrays are consistent. */
export function assertMesh(mesh: Mesh): void {
  if (!mesh) throw new InvalidArgumentError('mesh is required');
  assertVertices(mesh.vertices, undefined, 'mesh.vertices');
  const n = mesh.vertices.length / 3;
  assertTriangles(mesh.triangles, n);
  if (mesh.colors && mesh.colors.length !== n * 3) {
    throw new InvalidArgumentError(`mesh.colors must have ${n * 3} values, got ${mesh.colors.length}`);
  }
  if (mesh.uvs && mesh.uvs.length !== n * 2) {
    throw new InvalidArgumentError(`mesh.uvs must have ${n * 2} values, got ${mesh.uvs.length}`);
  }
}

import { InvalidArgumentError } from '../errors.js';
import type { UvLayout } from '../uv/layout.js';

/** Throws `InvalidArgumentError` unless `pm` is an R×R×3 position map for `layout`. */
export function assertPositionMap(pm: ArrayLike<number>, layout: UvLayout, what = 'position map'): void {
  const R = layout.resolution;
  if (!pm || pm.length !== R * R * 3) {
    throw new InvalidArgumentError(`${what} must have ${R}×${R}×3 = ${R * R * 3} values, got ${pm?.length}`);
  }
}

/** Throws `InvalidArgumentError` unless `vertices` holds xyz triples (optionally exactly `count` of them). */
export function assertVertices(vertices: ArrayLike<number>, count?: number, what = 'vertices'): void {
  if (!vertices || vertices.length % 3 !== 0) {
    throw new InvalidArgumentError(`${what} must be flat xyz triples, got length ${vertices?.length}`);
  }
  if (count !== undefined && vertices.length !== count * 3) {
    throw new InvalidArgumentError(`${what} must hold ${count} points (${count * 3} values), got ${vertices.length}`);
  }
}

/** Throws `InvalidArgumentError` unless `triangles` are index triples below `vertexCount`. */
export function assertTriangles(triangles: ArrayLike<number>, vertexCount: number): void {
  if (!triangles || triangles.length % 3 !== 0) {
    throw new InvalidArgumentError(`triangles must be flat index triples, got length ${triangles?.length}`);
  }
  for (let i = 0; i < triangles.length; i++) {
    const t = triangles[i];
    if (!(t >= 0 && t < vertexCount)) {
      throw new InvalidArgumentError(`triangle index ${t} at ${i} is outside [0, ${vertexCount})`);
    }
  }
}

/** Returns `out` if it has `length` elements, a new Float32Array if absent; throws otherwise. */
export function outputArray(out: Float32Array | undefined, length: number, what = 'out'): Float32Array {
  if (out === undefined) return new Float32Array(length);
  if (out.length !== length) throw new InvalidArgumentError(`${what} must have length ${length}, got ${out.length}`);
  return out;
}

import { EXPRESSION_NAMES } from '../data/expressions.js';
import type { IctModel } from '../ict/ict-model.js';
import { createRng, gaussian } from '../render/procedural.js';

/**
 * A small random stand-in for the ICT model (for tests that must run without the shared data):
 * `vertexCount` vertices on a face-sized blob (cm), `identityCount` random identity modes and the
 * 53 ARKit expression modes, all smooth-ish random displacements. No polygons.
 */
export function fakeIctModel(seed = 1, vertexCount = 300, identityCount = 8): IctModel {
  const rng = createRng(seed);
  const neutral = new Float32Array(vertexCount * 3);
  for (let v = 0; v < vertexCount; v++) {
    neutral[v * 3] = 7 * gaussian(rng);
    neutral[v * 3 + 1] = 9 * gaussian(rng);
    neutral[v * 3 + 2] = 3 * gaussian(rng);
  }
  const modes = (count: number, size: number) => {
    const out = new Float32Array(count * vertexCount * 3);
    for (let i = 0; i < out.length; i++) out[i] = size * gaussian(rng);
    return out;
  };
  return {
    vertexCount,
    neutral,
    identityCount,
    identityDeltas: modes(identityCount, 0.3),
    expressionNames: [...EXPRESSION_NAMES],
    expressionDeltas: modes(EXPRESSION_NAMES.length, 0.5),
    uvs: new Float32Array(0),
    faces: new Int32Array(0),
    faceUvs: new Int32Array(0),
    parts: [],
    landmarks68: new Uint32Array(68),
    facePolygonEnd: -1,
    faceVertexEnd: vertexCount - 1,
  };
}

import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../render/procedural.js';
import { createVertexMatcher } from './correspondence.js';

describe('createVertexMatcher', () => {
  it('finds the vertex each target follows across faces, despite noise and missing targets', () => {
    const rng = createRng(4);
    const V = 50;
    const truth = [7, 23, 41];
    const matcher = createVertexMatcher(Uint32Array.from({ length: V }, (_, v) => v), truth.length);
    for (let f = 0; f < 40; f++) {
      const vertices = new Float32Array(V * 3);
      for (let i = 0; i < vertices.length; i++) vertices[i] = 100 * rng();
      const targets = new Float32Array(truth.length * 3);
      truth.forEach((v, p) => {
        targets[p * 3] = vertices[v * 3] + gaussian(rng);
        targets[p * 3 + 1] = vertices[v * 3 + 1] + gaussian(rng);
      });
      if (f % 3 === 0) targets[3] = Number.NaN; // point 1 missing in a third of the faces
      matcher.add(vertices, targets, 100);
    }
    const { vertices, residual } = matcher.result();
    expect(Array.from(vertices)).toEqual(truth);
    for (const r of residual) expect(r).toBeLessThan(0.03); // ~1.25 px mean of a N(0, 1)² error / 100
    expect(matcher.count).toBe(40);
  });
});

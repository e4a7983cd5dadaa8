import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { depthImage } from './depth-image.js';

describe('depthImage', () => {
  // A tilted quad over [2, 8]² with z = x (plane), and a small nearer triangle on top of it.
  const vertices = Float32Array.from([
    2, 2, 2, 8, 2, 8, 2, 8, 2, 8, 8, 8, // quad, z = x
    3, 3, 20, 5, 3, 20, 3, 5, 20, // nearer triangle at z = 20
  ]);
  const triangles = Uint32Array.from([0, 2, 1, 1, 2, 3, 4, 6, 5]);

  it('interpolates z barycentrically and keeps the nearest surface', () => {
    const { depth, gray } = depthImage(vertices, triangles, 10, 10);
    expect([gray.width, gray.height, gray.channels]).toEqual([10, 10, 1]);
    // pixel (col 6, row 6): centre (6.5, 6.5) on the plane → z = 6.5
    expect(depth[6 * 10 + 6]).toBeCloseTo(6.5, 5);
    expect(depth[2 * 10 + 7]).toBeCloseTo(7.5, 5);
    // pixel (3, 3): centre (3.5, 3.5) inside the near triangle
    expect(depth[3 * 10 + 3]).toBe(20);
    // outside
    expect(depth[0]).toBeNaN();
    expect(depth[9 * 10 + 9]).toBeNaN();
    // near = bright, far = dark, empty = 0
    expect(gray.data[3 * 10 + 3]).toBe(255);
    expect(gray.data[6 * 10 + 2]).toBe(0); // z 2.5, the farthest rendered pixel
    expect(gray.data[0]).toBe(0);
    expect(gray.data[6 * 10 + 6]).toBe(Math.round(((6.5 - 2.5) / (20 - 2.5)) * 255));
  });

  it('covers exactly the pixels whose centres are inside', () => {
    const { depth } = depthImage(vertices, triangles, 10, 10);
    let covered = 0;
    for (const z of depth) if (!Number.isNaN(z)) covered++;
    expect(covered).toBe(36); // centres 2.5 … 7.5 in both axes
  });

  it('rejects bad sizes and indices', () => {
    expect(() => depthImage(vertices, triangles, 0, 10)).toThrow(InvalidArgumentError);
    expect(() => depthImage(vertices, Uint32Array.from([0, 1, 99]), 10, 10)).toThrow(InvalidArgumentError);
  });
});

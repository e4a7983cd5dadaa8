import { describe, expect, it } from 'vitest';
import { createRasterTarget, downsampleTarget, rasteriseTriangles, targetToRgbImage } from './rasteriser.js';
import { createRng } from './procedural.js';

function quad(x0: number, y0: number, x1: number, y1: number, z = 0) {
  // Two triangles sharing the diagonal, front-facing (counter-clockwise as seen on screen).
  const positions = new Float32Array([x0, y0, z, x0, y1, z, x1, y1, z, x1, y0, z]);
  return { positions, colors: new Float32Array(12).fill(0.5), triangles: new Uint32Array([0, 1, 2, 0, 2, 3]) };
}

describe('rasteriseTriangles', () => {
  it('covers exactly the pixel centres inside an axis-aligned rectangle (top-left rule on ties)', () => {
    const t = createRasterTarget(16, 12);
    const coverage = new Uint32Array(16 * 12);
    // Edges at x = 2.5 and 10.5 pass through pixel centres: the left one is in, the right one out.
    rasteriseTriangles(t, { ...quad(2.5, 3.5, 10.5, 7.5), coverage });
    let covered = 0;
    for (let r = 0; r < 12; r++) {
      for (let c = 0; c < 16; c++) {
        const inside = c >= 2 && c < 10 && r >= 3 && r < 7;
        expect(coverage[r * 16 + c], `pixel ${c},${r}`).toBe(inside ? 1 : 0);
        if (coverage[r * 16 + c]) covered++;
      }
    }
    expect(covered).toBe(32);
    expect(t.ids[3 * 16 + 2]).toBeGreaterThanOrEqual(0);
    expect(t.ids[0]).toBe(-1);
  });

  it('covers every pixel of a triangle fan exactly once (no cracks, no double hits)', () => {
    const W = 64;
    const t = createRasterTarget(W, W);
    const coverage = new Uint32Array(W * W);
    // A 17-gon fan around a centre that sits exactly on a pixel centre, with random radii.
    const rng = createRng(3);
    const n = 17;
    const pos: number[] = [32.5, 31.5, 0];
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * k) / n;
      const rad = 18 + 10 * rng();
      pos.push(32.5 + rad * Math.cos(a), 31.5 + rad * Math.sin(a), 0);
    }
    const tris: number[] = [];
    for (let k = 0; k < n; k++) tris.push(0, 1 + k, 1 + ((k + 1) % n));
    // Also a grid mesh with vertices on pixel centres and half-pixels (many exact ties).
    rasteriseTriangles(t, {
      positions: new Float32Array(pos),
      colors: new Float32Array(pos.length),
      triangles: new Uint32Array(tris),
      coverage,
    });
    let total = 0;
    for (let i = 0; i < coverage.length; i++) {
      expect(coverage[i]).toBeLessThanOrEqual(1);
      total += coverage[i];
    }
    // Polygon area by the shoelace formula; pixel count must agree within the boundary length.
    let area = 0;
    let perimeter = 0;
    for (let k = 0; k < n; k++) {
      const i = 1 + k;
      const j = 1 + ((k + 1) % n);
      area += (pos[i * 3] - 32.5) * (pos[j * 3 + 1] - 31.5) - (pos[j * 3] - 32.5) * (pos[i * 3 + 1] - 31.5);
      perimeter += Math.hypot(pos[j * 3] - pos[i * 3], pos[j * 3 + 1] - pos[i * 3 + 1]);
    }
    area = Math.abs(area) / 2;
    expect(Math.abs(total - area)).toBeLessThan(perimeter * 0.5);
    expect(total).toBeGreaterThan(900);
  });

  it('a grid of triangles with vertices on pixel centres tiles without gaps or overlaps', () => {
    const W = 20;
    const t = createRasterTarget(W, W);
    const coverage = new Uint32Array(W * W);
    const pos: number[] = [];
    const g = 5; // 5×5 vertices spaced 4 px, starting at a pixel centre
    for (let j = 0; j < g; j++) for (let i = 0; i < g; i++) pos.push(2.5 + 4 * i, 2.5 + 4 * j, 0);
    const tris: number[] = [];
    for (let j = 0; j < g - 1; j++) {
      for (let i = 0; i < g - 1; i++) {
        const a = j * g + i;
        // Alternate the diagonal so that both orientations of shared edges occur.
        if ((i + j) % 2) tris.push(a, a + 1, a + g + 1, a, a + g + 1, a + g);
        else tris.push(a, a + 1, a + g, a + 1, a + g + 1, a + g);
      }
    }
    rasteriseTriangles(t, { positions: new Float32Array(pos), colors: new Float32Array(pos.length), triangles: new Uint32Array(tris), coverage });
    let total = 0;
    for (let i = 0; i < coverage.length; i++) {
      expect(coverage[i]).toBeLessThanOrEqual(1);
      total += coverage[i];
    }
    expect(total).toBe(16 * 16); // the 16×16 pixel centres in [2.5, 18.5) on both axes
  });

  it('keeps the nearer (larger z) surface whatever the draw order', () => {
    for (const order of [0, 1]) {
      const t = createRasterTarget(10, 10);
      const near = quad(0, 0, 10, 10, 5);
      near.colors.fill(1);
      const far = quad(2, 2, 8, 8, -3);
      far.colors.fill(0.25);
      const batches = order ? [near, far] : [far, near];
      for (const b of batches) rasteriseTriangles(t, b);
      expect(t.depth[5 * 10 + 5]).toBe(5);
      expect(t.color[(5 * 10 + 5) * 3]).toBeCloseTo(1, 6);
    }
  });

  it('interpolates attributes and depth linearly', () => {
    const t = createRasterTarget(32, 32);
    const positions = new Float32Array([0, 0, 0, 32, 0, 32, 0, 32, 0]);
    const colors = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    rasteriseTriangles(t, { positions, colors, triangles: new Uint32Array([0, 1, 2]) });
    const pix = 4 * 32 + 10; // centre (10.5, 4.5)
    expect(t.depth[pix]).toBeCloseTo(10.5, 4);
    expect(t.color[pix * 3]).toBeCloseTo(10.5 / 32, 5);
    expect(t.color[pix * 3 + 1]).toBeCloseTo(4.5 / 32, 5);
  });

  it('culls back faces (clockwise on screen) when cull = back', () => {
    const front = quad(0, 0, 8, 8); // counter-clockwise on screen = front-facing
    const back = { ...front, triangles: new Uint32Array([0, 2, 1, 0, 3, 2]) };
    const t = createRasterTarget(8, 8);
    expect(rasteriseTriangles(t, { ...back, cull: 'back' })).toBe(0);
    expect(rasteriseTriangles(t, { ...front, cull: 'back' })).toBe(64);
    const t2 = createRasterTarget(8, 8);
    expect(rasteriseTriangles(t2, { ...front, cull: 'front' })).toBe(0);
    expect(rasteriseTriangles(t2, { ...back, cull: 'none' })).toBe(64);
  });
});

describe('downsampleTarget / targetToRgbImage', () => {
  it('averages colour and keeps the front-most depth in output pixels', () => {
    const hi = createRasterTarget(8, 8);
    rasteriseTriangles(hi, { ...quad(0, 0, 4, 8, 10) });
    const lo = downsampleTarget(hi, 2);
    expect(lo.width).toBe(4);
    expect(lo.depth[0]).toBe(5);
    expect(lo.depth[3]).toBe(-Infinity);
    expect(lo.color[0]).toBeCloseTo(0.5, 6);
    const img = targetToRgbImage(lo);
    expect(img.channels).toBe(3);
    expect(img.data.length).toBe(4 * 4 * 3);
    expect(img.data[0]).toBe(188); // linear 0.5 → sRGB 188
    expect(img.data[3 * 3]).toBe(0);
  });
});

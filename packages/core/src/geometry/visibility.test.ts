import { describe, expect, it } from 'vitest';
import { posedPositionMap } from '../testing/synthetic-face.js';
import { syntheticLayout } from '../testing/synthetic-layout.js';
import { rotationFromAngles } from './euler-angles.js';
import { denseVertices } from './extract.js';
import { vertexVisibility } from './visibility.js';

/** Two parallel square grids (n×n vertices) at z = zFront and z = zBack, the back one larger. */
function twoLayers(n: number, zFront: number, zBack: number) {
  const vertices: number[] = [];
  const triangles: number[] = [];
  const grid = (x0: number, size: number, z: number) => {
    const base = vertices.length / 3;
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) vertices.push(x0 + (c * size) / (n - 1), x0 + (r * size) / (n - 1), z);
    for (let r = 0; r + 1 < n; r++)
      for (let c = 0; c + 1 < n; c++) {
        const a = base + r * n + c;
        // image frame (y down): front-facing = clockwise on screen = negative signed area
        triangles.push(a, a + n, a + 1, a + 1, a + n, a + n + 1);
      }
  };
  grid(10, 20, zFront); // covers [10, 30]²
  grid(0, 40, zBack); // covers [0, 40]²
  return { vertices: Float32Array.from(vertices), triangles: Uint32Array.from(triangles) };
}

describe('vertexVisibility', () => {
  it('hides what lies behind a nearer surface (larger z wins)', () => {
    const n = 11;
    const { vertices, triangles } = twoLayers(n, 5, -5);
    const vis = vertexVisibility(vertices, triangles);
    for (let k = 0; k < n * n; k++) expect(vis[k]).toBe(1); // front layer all visible
    for (let k = 0; k < n * n; k++) {
      const x = vertices[3 * (n * n + k)];
      const y = vertices[3 * (n * n + k) + 1];
      const behind = x > 10.5 && x < 29.5 && y > 10.5 && y < 29.5;
      expect(vis[n * n + k]).toBe(behind ? 0 : 1);
    }
    // swap depths: now the small layer is behind the big one
    const swapped = twoLayers(n, -5, 5);
    const vis2 = vertexVisibility(swapped.vertices, swapped.triangles);
    expect(Array.from(vis2.subarray(0, n * n)).every((v) => v === 0)).toBe(true);
  });

  it('hides back-facing vertices', () => {
    const { vertices, triangles } = twoLayers(5, 5, -5);
    const flipped = Uint32Array.from(triangles);
    for (let t = 0; t < flipped.length; t += 3) [flipped[t + 1], flipped[t + 2]] = [flipped[t + 2], flipped[t + 1]];
    expect(vertexVisibility(vertices, flipped).every((v) => v === 0)).toBe(true);
  });

  it('sees all of a frontal face and loses the far cheek and the area behind the nose when it turns', () => {
    const layout = syntheticLayout({ resolution: 48 });
    const frontal = denseVertices(posedPositionMap(layout, { scale: 10 }), layout);
    const vis0 = vertexVisibility(frontal, layout.triangles);
    expect(vis0.reduce((a, b) => a + b, 0)).toBe(vis0.length);

    // yaw 60°: the nose turns towards image left (−x) and the model's −x half turns away from the
    // camera: its rim and the strip the nose covers hide, the +x half stays fully visible.
    const turned = denseVertices(posedPositionMap(layout, { rotation: rotationFromAngles(0, 60, 0), scale: 10 }), layout);
    const vis = vertexVisibility(turned, layout.triangles);
    let hiddenNearNose = 0;
    let hiddenFar = 0;
    for (let k = 0; k < vis.length; k++) {
      const p = layout.vertexPixels[k];
      const mx = layout.meanFace[3 * p];
      const my = layout.meanFace[3 * p + 1];
      if (vis[k]) continue;
      if (mx > 0.5) hiddenFar++; // the half that turns towards the camera
      else if (mx < 0 && Math.abs(my + 0.45) < 3) hiddenNearNose++;
    }
    expect(hiddenNearNose).toBeGreaterThan(5);
    expect(hiddenFar).toBe(0);
    let visibleLeftEdge = 0;
    for (let k = 0; k < vis.length; k++) if (layout.meanFace[3 * layout.vertexPixels[k]] < -6 && vis[k]) visibleLeftEdge++;
    expect(visibleLeftEdge).toBe(0);
  });
});

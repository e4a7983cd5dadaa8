import { describe, expect, it } from 'vitest';
import { NullEngine } from '@babylonjs/core/Engines/nullEngine.js';
import { Scene } from '@babylonjs/core/scene.js';
import { Observable } from '@babylonjs/core/Misc/observable.js';
import type { FaceReconstruction } from '@prnet/core';
import { syntheticLayout } from '@prnet/core/testing';
import { FaceMeshDisplay } from './face-mesh.js';
import type { FaceFrame } from './face-solver.js';
import type { FaceTracker } from './face-tracker.js';

describe('FaceMeshDisplay (Babylon NullEngine)', () => {
  it('updates one mesh in place from tracked frames, hides when lost, disposes everything', async () => {
    const engine = new NullEngine();
    const scene = new Scene(engine);
    const layout = syntheticLayout({ resolution: 16 });
    const n = layout.vertexPixels.length;
    const display = new FaceMeshDisplay(scene, { layout, mirror: false });
    expect(display.mesh.getTotalVertices()).toBe(n);
    expect(display.mesh.getTotalIndices()).toBe(layout.triangles.length);
    const tracker = { onFrameObservable: new Observable<FaceFrame>(), onLostObservable: new Observable<void>() } as unknown as FaceTracker;
    display.attachTo(tracker);
    const vertices = Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 0 ? 100 + (i % 7) : i % 3 === 1 ? 200 + (i % 11) : i % 5));
    const face = { vertices, box: [100, 200, 110, 212] } as unknown as FaceReconstruction;
    const buffer = display.mesh.getVertexBuffer('position');
    tracker.onFrameObservable.notifyObservers({ face } as FaceFrame);
    expect(display.mesh.isVisible).toBe(true);
    const positions = display.mesh.getVerticesData('position')!;
    expect(positions[0]).toBeCloseTo((vertices[0] - 105) * (2 / (12 * 1.3)), 5);
    expect(positions[1]).toBeCloseTo(-(vertices[1] - 206) * (2 / (12 * 1.3)), 5);
    expect(display.mesh.getVertexBuffer('position')).toBe(buffer); // same buffer, updated in place
    tracker.onLostObservable.notifyObservers();
    expect(display.mesh.isVisible).toBe(false);
    display.dispose();
    display.dispose();
    await new Promise((resolve) => setTimeout(resolve, 5)); // Babylon removes observers on the next tick
    expect(tracker.onFrameObservable.observers.length).toBe(0);
    expect(tracker.onLostObservable.observers.length).toBe(0);
    expect(scene.meshes.length).toBe(0);
    expect(scene.materials.filter((m) => m.name.startsWith('prnetFace'))).toEqual([]);
    expect(scene.textures.length).toBe(0);
    scene.dispose();
    engine.dispose();
  });
});

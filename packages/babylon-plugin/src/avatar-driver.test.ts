import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NullEngine } from '@babylonjs/core/Engines/nullEngine.js';
import { Scene } from '@babylonjs/core/scene.js';
import { FreeCamera } from '@babylonjs/core/Cameras/freeCamera.js';
import { Quaternion, Vector3 } from '@babylonjs/core/Maths/math.vector.js';
import { TransformNode } from '@babylonjs/core/Meshes/transformNode.js';
import { Mesh } from '@babylonjs/core/Meshes/mesh.js';
import { CreateBox } from '@babylonjs/core/Meshes/Builders/boxBuilder.js';
import { MorphTarget } from '@babylonjs/core/Morph/morphTarget.js';
import { MorphTargetManager } from '@babylonjs/core/Morph/morphTargetManager.js';
import { Observable } from '@babylonjs/core/Misc/observable.js';
import { rotationFromAngles } from '@prnet/core';
import { arkitIndex, ARKIT_COUNT } from './arkit.js';
import { AvatarDriverBehavior } from './avatar-driver.js';
import type { FaceFrame } from './face-solver.js';
import type { FaceTracker } from './face-tracker.js';
import { frameSigns, quaternionFromMatrix, toAvatarFrame } from './head-rotation.js';

let engine: NullEngine;
let scene: Scene;
beforeEach(() => {
  engine = new NullEngine();
  scene = new Scene(engine);
  new FreeCamera('camera', new Vector3(0, 0, -5), scene);
});
/** Babylon removes observers on the next tick. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
afterEach(() => {
  scene.dispose();
  engine.dispose();
});

function fakeTracker(): FaceTracker & { latestFrame: FaceFrame | undefined; updates: number } {
  const t = {
    latestFrame: undefined as FaceFrame | undefined,
    updates: 0,
    get latest() {
      return t.latestFrame;
    },
    update() {
      t.updates++;
      return true;
    },
    onFrameObservable: new Observable<FaceFrame>(),
    onLostObservable: new Observable<void>(),
  };
  return t as unknown as FaceTracker & { latestFrame: FaceFrame | undefined; updates: number };
}

function frame(yaw: number, weights: Record<string, number>, timestamp = 1): FaceFrame {
  const blendshapes = new Float32Array(ARKIT_COUNT);
  for (const [k, v] of Object.entries(weights)) blendshapes[arkitIndex(k)] = v;
  const q = quaternionFromMatrix(toAvatarFrame(rotationFromAngles(0, yaw, 0), frameSigns({ mirror: false })));
  return { timestamp, pitch: 0, yaw, roll: 0, headRotation: q, blendshapes, face: undefined, latencyMs: 0 };
}

function avatar() {
  const root = new TransformNode('avatar', scene);
  root.rotationQuaternion = Quaternion.RotationAxis(Vector3.Up(), 0.3); // a rotated rig
  const neck = new TransformNode('J_Bip_C_Neck', scene);
  neck.parent = root;
  neck.rotationQuaternion = Quaternion.RotationAxis(Vector3.Right(), 0.2);
  const head = new TransformNode('J_Bip_C_Head', scene);
  head.parent = neck;
  head.rotationQuaternion = Quaternion.RotationAxis(new Vector3(0, 0, 1), -0.1);
  const face = CreateBox('face', {}, scene) as Mesh;
  face.parent = head;
  const manager = new MorphTargetManager(scene);
  for (const name of ['jawOpen', 'EyeBlinkLeft', 'mouthSmile_R', 'aa', 'Fcl_EYE_Close_R', 'hairSwing']) {
    const target = new MorphTarget(name, 0, scene);
    target.setPositions(face.getVerticesData('position')!);
    manager.addTarget(target);
  }
  face.morphTargetManager = manager;
  return { root, neck, head, face, manager };
}

const forwardOf = (node: TransformNode) => {
  node.computeWorldMatrix(true);
  const q = new Quaternion();
  node.getWorldMatrix().decompose(undefined, q);
  return new Vector3(0, 0, -1).rotateByQuaternionToRef(q, new Vector3());
};

describe('AvatarDriverBehavior (Babylon NullEngine)', () => {
  it('binds morph targets by ARKit, Perfect Sync, ICT-style and VRM names, and VRM binds', () => {
    const { root } = avatar();
    const tracker = fakeTracker();
    const driver = new AvatarDriverBehavior({
      tracker,
      expressionBinds: { blinkRight: [{ targetName: 'Fcl_EYE_Close_R', weight: 0.5 }] },
    });
    root.addBehavior(driver);
    const names = driver.morphBindings.map((b) => b.target.name).sort();
    expect(names).toEqual(['EyeBlinkLeft', 'Fcl_EYE_Close_R', 'aa', 'jawOpen', 'mouthSmile_R']);
    expect(driver.head?.name).toBe('J_Bip_C_Head');
    expect(driver.neck?.name).toBe('J_Bip_C_Neck');
    driver.dispose();
  });

  it('applies weights and head rotation before each render, and restores the rest pose on detach', async () => {
    const { root, head, manager } = avatar();
    const tracker = fakeTracker();
    const driver = new AvatarDriverBehavior({ tracker, input: {} as never, neckShare: 0.4 });
    root.addBehavior(driver);
    const rest = forwardOf(head);
    const restLocal = head.rotationQuaternion!.clone();
    tracker.latestFrame = frame(30, { jawOpen: 0.6, eyeBlinkLeft: 0.9, mouthSmileRight: 0.3, eyeBlinkRight: 0.8 });
    scene.render();
    expect(tracker.updates).toBe(1);
    const influence = (name: string) => manager.getTargetByName(name)!.influence;
    expect(influence('jawOpen')).toBeCloseTo(0.6);
    expect(influence('EyeBlinkLeft')).toBeCloseTo(0.9);
    expect(influence('mouthSmile_R')).toBeCloseTo(0.3);
    expect(influence('aa')).toBeCloseTo(0.6); // VRM 1 preset via the mapping
    expect(influence('hairSwing')).toBe(0);
    // The head's world forward turned by the frame's rotation relative to its rest direction.
    const expected = rest.rotateByQuaternionToRef(Quaternion.FromArray(Array.from(tracker.latestFrame.headRotation)), new Vector3());
    const got = forwardOf(head);
    expect(Vector3.Distance(got, expected)).toBeLessThan(1e-5);
    expect(got.x).toBeLessThan(rest.x - 0.2); // yaw > 0, unmirrored: towards screen left
    root.removeBehavior(driver);
    expect(head.rotationQuaternion!.equalsWithEpsilon(restLocal, 1e-9)).toBe(true);
    expect(influence('jawOpen')).toBe(0);
    await tick();
    expect(scene.onBeforeRenderObservable.observers.length).toBe(0);
  });

  it('dispose removes its observer and is safe twice; no observer leaks after many attach/detach', async () => {
    const { root } = avatar();
    const tracker = fakeTracker();
    for (let i = 0; i < 5; i++) {
      const driver = new AvatarDriverBehavior({ tracker });
      root.addBehavior(driver);
      driver.dispose();
      driver.dispose();
    }
    await tick();
    expect(scene.onBeforeRenderObservable.observers.length).toBe(0);
    expect(root.behaviors.length).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { Quaternion, Vector3 } from '@babylonjs/core/Maths/math.vector.js';
import { rotationFromAngles } from '@prnet/core';
import { frameSigns, quaternionFromMatrix, toAvatarFrame } from './head-rotation.js';

/** Where the avatar's face direction (its forward at rest) points after the pose rotation. */
function faceDirection(pitch: number, yaw: number, roll: number, mirror: boolean, facing: 'negative-z' | 'positive-z' = 'negative-z') {
  const D = toAvatarFrame(rotationFromAngles(pitch, yaw, roll), frameSigns({ mirror, facing }));
  const [x, y, z, w] = quaternionFromMatrix(D);
  const forward = new Vector3(0, 0, facing === 'negative-z' ? -1 : 1);
  return forward.rotateByQuaternionToRef(new Quaternion(x, y, z, w), new Vector3());
}

describe('head rotation for a Babylon avatar', () => {
  it('quaternionFromMatrix matches the matrix (Babylon rotates vectors by q the same way)', () => {
    for (const [p, y, r] of [
      [10, 20, 30],
      [-40, 70, -10],
      [170, -5, 100],
      [0, 0, 0],
    ]) {
      const D = rotationFromAngles(p, y, r);
      const [qx, qy, qz, qw] = quaternionFromMatrix(D);
      const q = new Quaternion(qx, qy, qz, qw);
      for (const v of [new Vector3(1, 0, 0), new Vector3(0, 1, 0), new Vector3(0.3, -0.2, 0.9)]) {
        const got = v.rotateByQuaternionToRef(q, new Vector3());
        expect(got.x).toBeCloseTo(D[0] * v.x + D[1] * v.y + D[2] * v.z, 6);
        expect(got.y).toBeCloseTo(D[3] * v.x + D[4] * v.y + D[5] * v.z, 6);
        expect(got.z).toBeCloseTo(D[6] * v.x + D[7] * v.y + D[8] * v.z, 6);
      }
    }
  });

  it('yaw > 0 (nose to image left) turns a camera-facing avatar to screen left, or right when mirrored', () => {
    // Default camera at −z looking +z: screen right = +x.
    expect(faceDirection(0, 30, 0, false).x).toBeLessThan(-0.4);
    expect(faceDirection(0, 30, 0, true).x).toBeGreaterThan(0.4);
  });

  it('pitch > 0 (nose up) lifts the face, mirrored or not', () => {
    expect(faceDirection(25, 0, 0, false).y).toBeGreaterThan(0.35);
    expect(faceDirection(25, 0, 0, true).y).toBeGreaterThan(0.35);
  });

  it('an avatar facing +z (camera behind it at +z, screen right = −x) turns the same way on screen', () => {
    expect(faceDirection(0, 30, 0, false, 'positive-z').x).toBeGreaterThan(0.4);
    expect(faceDirection(25, 0, 0, false, 'positive-z').y).toBeGreaterThan(0.35);
  });

  it('roll > 0 tilts the top of the head to image right', () => {
    const D = toAvatarFrame(rotationFromAngles(0, 0, 20), frameSigns({ mirror: false }));
    const [x, y, z, w] = quaternionFromMatrix(D);
    const up = new Vector3(0, 1, 0).rotateByQuaternionToRef(new Quaternion(x, y, z, w), new Vector3());
    expect(up.x).toBeGreaterThan(0.3);
  });
});

import { describe, expect, it } from 'vitest';
import { anglesFromRotation, multiply3, rotationDistanceDegrees, rotationFromAngles, transpose3 } from './euler-angles.js';

const apply = (R: Float64Array, v: [number, number, number]) => [
  R[0] * v[0] + R[1] * v[1] + R[2] * v[2],
  R[3] * v[0] + R[4] * v[1] + R[5] * v[2],
  R[6] * v[0] + R[7] * v[1] + R[8] * v[2],
];

describe('pose angles (AFLW2000-3D convention)', () => {
  it('round-trips angles through the rotation', () => {
    for (const pitch of [-80, -45, -10, 0, 20, 60])
      for (const yaw of [-89, -60, -5, 0, 30, 85])
        for (const roll of [-170, -45, 0, 15, 90]) {
          const a = anglesFromRotation(rotationFromAngles(pitch, yaw, roll));
          expect(a.pitch).toBeCloseTo(pitch, 9);
          expect(a.yaw).toBeCloseTo(yaw, 9);
          expect(a.roll).toBeCloseTo(roll, 9);
        }
  });

  it('builds proper rotations', () => {
    const R = rotationFromAngles(12, -34, 56);
    const I = multiply3(R, transpose3(R));
    for (let i = 0; i < 9; i++) expect(I[i]).toBeCloseTo(i % 4 === 0 ? 1 : 0, 12);
    expect(rotationDistanceDegrees(R, rotationFromAngles(12, -34, 56))).toBeLessThan(1e-6);
    expect(rotationDistanceDegrees(R, rotationFromAngles(12, -34, 46))).toBeCloseTo(10, 6);
  });

  it('has the documented signs', () => {
    const nose: [number, number, number] = [0, 0, 1];
    expect(apply(rotationFromAngles(20, 0, 0), nose)[1]).toBeGreaterThan(0.3); // pitch > 0: nose up
    expect(apply(rotationFromAngles(0, 20, 0), nose)[0]).toBeLessThan(-0.3); // yaw > 0: nose to image left
    expect(apply(rotationFromAngles(0, 0, 20), [0, 1, 0])[0]).toBeGreaterThan(0.3); // roll > 0: top to image right
  });

  it('is R = Rx(-pitch)·Ry(-yaw)·Rz(-roll)', () => {
    const R = rotationFromAngles(10, 20, 30);
    const composed = multiply3(
      multiply3(rotationFromAngles(10, 0, 0), rotationFromAngles(0, 20, 0)),
      rotationFromAngles(0, 0, 30),
    );
    for (let i = 0; i < 9; i++) expect(R[i]).toBeCloseTo(composed[i], 12);
    const c = Math.cos((-10 * Math.PI) / 180);
    const s = Math.sin((-10 * Math.PI) / 180);
    const expected = [1, 0, 0, 0, c, -s, 0, s, c];
    rotationFromAngles(10, 0, 0).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 15));
  });

  it('handles gimbal lock at yaw = ±90° by folding roll into pitch', () => {
    for (const yaw of [90, -90]) {
      const R = rotationFromAngles(25, yaw, 10);
      const a = anglesFromRotation(R);
      expect(a.yaw).toBeCloseTo(yaw, 6);
      expect(a.roll).toBe(0);
      expect(rotationDistanceDegrees(R, rotationFromAngles(a.pitch, a.yaw, a.roll))).toBeLessThan(1e-4);
    }
  });
});

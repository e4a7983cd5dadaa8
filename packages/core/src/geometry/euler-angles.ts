/**
 * Head-pose angles in the convention of AFLW2000-3D's `Pose_Para` (and 3DDFA):
 *
 *   R = Rx(−pitch) · Ry(−yaw) · Rz(−roll)        (= (Rz(roll) · Ry(yaw) · Rx(pitch))ᵀ)
 *
 * with the standard right-handed rotation matrices Rx(a) = [[1,0,0],[0,cos a,−sin a],[0,sin a,cos a]],
 * Ry(a) = [[cos a,0,sin a],[0,1,0],[−sin a,0,cos a]], Rz(a) = [[cos a,−sin a,0],[sin a,cos a,0],[0,0,1]].
 * R maps the head's frame (x to the viewer's right for a frontal face, y up, z out of the face)
 * to the y-up camera frame, i.e. the image frame (`conventions.ts`) with y flipped: (x, −y, z).
 * Signs: pitch > 0 turns the nose up, yaw > 0 turns it towards image left (−x), roll > 0 tilts the
 * top of the head towards image right (clockwise on screen).
 *
 * Determined from data (`trainer/src/eval/pose-convention.test.ts`): similarity fits of the ICT
 * neutral landmarks to AFLW2000-3D's `pt3d_68` reproduce the annotated angles best in this order,
 * sign and direction among all 96 Euler candidates (orders × signs × R or Rᵀ).
 *
 * Angles are in degrees; pitch, roll ∈ (−180, 180], yaw ∈ [−90, 90]. Matrices are row-major
 * Float64Array(9).
 */
export function rotationFromAngles(pitch: number, yaw: number, roll: number, out?: Float64Array): Float64Array {
  const a = (-pitch * Math.PI) / 180;
  const b = (-yaw * Math.PI) / 180;
  const c = (-roll * Math.PI) / 180;
  const ca = Math.cos(a);
  const sa = Math.sin(a);
  const cb = Math.cos(b);
  const sb = Math.sin(b);
  const cc = Math.cos(c);
  const sc = Math.sin(c);
  const R = out ?? new Float64Array(9);
  // Rx(a)·Ry(b)·Rz(c)
  R[0] = cb * cc;
  R[1] = -cb * sc;
  R[2] = sb;
  R[3] = sa * sb * cc + ca * sc;
  R[4] = -sa * sb * sc + ca * cc;
  R[5] = -sa * cb;
  R[6] = -ca * sb * cc + sa * sc;
  R[7] = ca * sb * sc + sa * cc;
  R[8] = ca * cb;
  return R;
}

/** Pitch, yaw and roll in degrees. */
export interface PoseAngles {
  readonly pitch: number;
  readonly yaw: number;
  readonly roll: number;
}

/**
 * The exact inverse of `rotationFromAngles` for yaw ∈ (−90°, 90°) (see there for the convention).
 * At yaw = ±90° (gimbal lock) roll is set to 0 and pitch absorbs the remaining rotation.
 * @param R row-major 3×3 rotation (Float64Array(9) or any 9 numbers).
 */
export function anglesFromRotation(R: ArrayLike<number>): PoseAngles {
  const sb = Math.min(1, Math.max(-1, R[2]));
  const b = Math.asin(sb);
  let a: number;
  let c: number;
  if (Math.abs(sb) < 1 - 1e-12) {
    a = Math.atan2(-R[5], R[8]);
    c = Math.atan2(-R[1], R[0]);
  } else {
    // cos b = 0: R = [[0, 0, ±1], [·, cos(a ± c), ·], [·, sin(a ± c), ·]]; put it all in a.
    a = Math.atan2(R[7], R[4]);
    c = 0;
  }
  const deg = 180 / Math.PI;
  return { pitch: clean(-a * deg), yaw: clean(-b * deg), roll: clean(-c * deg) };
}

/** Maps −0 to 0 and −180 to 180 so results are canonical. */
function clean(x: number): number {
  if (x === 0) return 0;
  if (x <= -180) return x + 360;
  return x;
}

/** C = A · B for row-major 3×3 matrices. */
export function multiply3(A: ArrayLike<number>, B: ArrayLike<number>, out?: Float64Array): Float64Array {
  const C = out ?? new Float64Array(9);
  const a = Array.from({ length: 9 }, (_, i) => A[i]);
  const b = Array.from({ length: 9 }, (_, i) => B[i]);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      C[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    }
  }
  return C;
}

/** Aᵀ for a row-major 3×3 matrix. */
export function transpose3(A: ArrayLike<number>, out?: Float64Array): Float64Array {
  const a = Array.from({ length: 9 }, (_, i) => A[i]);
  const T = out ?? new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) T[3 * i + j] = a[3 * j + i];
  return T;
}

/** The angle in degrees of the rotation A·Bᵀ (the geodesic distance between two rotations). */
export function rotationDistanceDegrees(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let trace = 0;
  for (let i = 0; i < 9; i++) trace += A[i] * B[i];
  return (Math.acos(Math.min(1, Math.max(-1, (trace - 1) / 2))) * 180) / Math.PI;
}

/**
 * Head pose (core's `HeadPose.rotation`: AFLW2000-3D convention, right-handed camera frame with
 * x right, y up, z towards the viewer) → a rotation in Babylon.js's left-handed world for an
 * avatar that faces the camera.
 *
 * Babylon's default camera looks along +z, so a face looking at it points along −z ("facing −z");
 * glTF/VRM 1.0 avatars loaded by Babylon often face +z and are viewed by a camera at +z. The
 * camera-frame rotation R becomes D = C·R·C with C diagonal: z is flipped for the left-handed
 * frame, x and z once more for a +z-facing avatar, and x for a mirror image (the avatar moves like
 * your reflection: turn your head to your right and it turns to the screen's right).
 */
export type AvatarFacing = 'negative-z' | 'positive-z';

export interface HeadRotationOptions {
  /** Mirror the motion (a reflection, like a selfie preview). Default true. */
  mirror?: boolean;
  /** Which way the avatar's face points in the world at rest. Default 'negative-z'. */
  facing?: AvatarFacing;
}

/** The diagonal of C (see the module comment). */
export function frameSigns(options: HeadRotationOptions = {}, out: Float64Array = new Float64Array(3)): Float64Array {
  const mirror = options.mirror ?? true;
  const flip = (options.facing ?? 'negative-z') === 'positive-z';
  out[0] = (mirror ? -1 : 1) * (flip ? -1 : 1);
  out[1] = 1;
  out[2] = -1 * (flip ? -1 : 1);
  return out;
}

/**
 * D = C·R·C for a row-major 3×3 R (column-vector convention: v' = D·v), written into `out`.
 */
export function toAvatarFrame(R: ArrayLike<number>, signs: ArrayLike<number>, out: Float64Array = new Float64Array(9)): Float64Array {
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = signs[i] * signs[j] * R[i * 3 + j];
  return out;
}

/**
 * The unit quaternion [x, y, z, w] of a row-major rotation matrix (column-vector convention),
 * as Babylon's `Quaternion` uses it (`v.rotateByQuaternionToRef(q)` = D·v). Shepperd's method.
 */
export function quaternionFromMatrix(m: ArrayLike<number>, out: Float64Array = new Float64Array(4)): Float64Array {
  const trace = m[0] + m[4] + m[8];
  let x: number;
  let y: number;
  let z: number;
  let w: number;
  if (trace > 0) {
    const s = 0.5 / Math.sqrt(trace + 1);
    w = 0.25 / s;
    x = (m[7] - m[5]) * s;
    y = (m[2] - m[6]) * s;
    z = (m[3] - m[1]) * s;
  } else if (m[0] > m[4] && m[0] > m[8]) {
    const s = 2 * Math.sqrt(1 + m[0] - m[4] - m[8]);
    w = (m[7] - m[5]) / s;
    x = 0.25 * s;
    y = (m[1] + m[3]) / s;
    z = (m[2] + m[6]) / s;
  } else if (m[4] > m[8]) {
    const s = 2 * Math.sqrt(1 + m[4] - m[0] - m[8]);
    w = (m[2] - m[6]) / s;
    x = (m[1] + m[3]) / s;
    y = 0.25 * s;
    z = (m[5] + m[7]) / s;
  } else {
    const s = 2 * Math.sqrt(1 + m[8] - m[0] - m[4]);
    w = (m[3] - m[1]) / s;
    x = (m[2] + m[6]) / s;
    y = (m[5] + m[7]) / s;
    z = 0.25 * s;
  }
  const n = Math.hypot(x, y, z, w);
  out[0] = x / n;
  out[1] = y / n;
  out[2] = z / n;
  out[3] = w / n;
  return out;
}

/** C = A · Bᵀ for row-major 3×3 matrices (relative rotation against a neutral one). */
export function multiplyTransposed(A: ArrayLike<number>, B: ArrayLike<number>, out: Float64Array = new Float64Array(9)): Float64Array {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[i * 3 + j] = A[i * 3] * B[j * 3] + A[i * 3 + 1] * B[j * 3 + 1] + A[i * 3 + 2] * B[j * 3 + 2];
    }
  }
  return out;
}

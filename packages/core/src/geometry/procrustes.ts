import { InvalidArgumentError } from '../errors.js';

/** A similarity transform target ≈ scale · rotation · source + translation. */
export interface Similarity {
  /** Row-major 3×3 proper rotation (det = +1). */
  readonly rotation: Float64Array;
  readonly scale: number;
  /** [3] translation, in target units. */
  readonly translation: Float64Array;
  /** Weighted root-mean-square residual of the fit, in target units. */
  readonly rms: number;
}

/**
 * The weighted least-squares similarity (Umeyama 1991) mapping `source` points onto `target`:
 * minimises Σ wᵢ‖targetᵢ − (s·R·sourceᵢ + t)‖² over rotations R (no reflections), s > 0 and t.
 * The rotation comes from Horn's quaternion method (largest eigenvector of a symmetric 4×4
 * matrix, by Jacobi iteration), which is numerically robust and never yields a reflection.
 *
 * @param source flat xyz, n points.
 * @param target flat xyz, n points (same order).
 * @param weights n non-negative weights (default all 1). Points with weight 0 are ignored.
 * @param indices optional subset: only these point indices take part.
 */
export function fitSimilarity(
  source: ArrayLike<number>,
  target: ArrayLike<number>,
  weights?: ArrayLike<number>,
  indices?: ArrayLike<number>,
): Similarity {
  if (source.length !== target.length || source.length % 3 !== 0) {
    throw new InvalidArgumentError(
      `fitSimilarity needs two flat xyz arrays of equal length, got ${source.length} and ${target.length}`,
    );
  }
  const n = indices ? indices.length : source.length / 3;
  if (weights && weights.length !== source.length / 3) {
    throw new InvalidArgumentError(`weights must have one value per point (${source.length / 3}), got ${weights.length}`);
  }
  const idx = (k: number) => (indices ? indices[k] : k);

  let wSum = 0;
  let sx = 0, sy = 0, sz = 0, tx = 0, ty = 0, tz = 0;
  for (let k = 0; k < n; k++) {
    const i = idx(k);
    const w = weights ? weights[i] : 1;
    if (!(w > 0)) continue;
    wSum += w;
    sx += w * source[3 * i];
    sy += w * source[3 * i + 1];
    sz += w * source[3 * i + 2];
    tx += w * target[3 * i];
    ty += w * target[3 * i + 1];
    tz += w * target[3 * i + 2];
  }
  if (!(wSum > 0)) throw new InvalidArgumentError('fitSimilarity needs at least one point with positive weight');
  sx /= wSum; sy /= wSum; sz /= wSum; tx /= wSum; ty /= wSum; tz /= wSum;

  // Weighted cross-covariance S[a][b] = Σ w·src_a·tgt_b (centred), source variance, target variance.
  const S = new Float64Array(9);
  let varSource = 0;
  let varTarget = 0;
  for (let k = 0; k < n; k++) {
    const i = idx(k);
    const w = weights ? weights[i] : 1;
    if (!(w > 0)) continue;
    const a0 = source[3 * i] - sx, a1 = source[3 * i + 1] - sy, a2 = source[3 * i + 2] - sz;
    const b0 = target[3 * i] - tx, b1 = target[3 * i + 1] - ty, b2 = target[3 * i + 2] - tz;
    S[0] += w * a0 * b0; S[1] += w * a0 * b1; S[2] += w * a0 * b2;
    S[3] += w * a1 * b0; S[4] += w * a1 * b1; S[5] += w * a1 * b2;
    S[6] += w * a2 * b0; S[7] += w * a2 * b1; S[8] += w * a2 * b2;
    varSource += w * (a0 * a0 + a1 * a1 + a2 * a2);
    varTarget += w * (b0 * b0 + b1 * b1 + b2 * b2);
  }
  if (!(varSource > 0)) throw new InvalidArgumentError('fitSimilarity: source points are all identical');

  const [Sxx, Sxy, Sxz, Syx, Syy, Syz, Szx, Szy, Szz] = S;
  const N = [
    Sxx + Syy + Szz, Syz - Szy, Szx - Sxz, Sxy - Syx,
    Syz - Szy, Sxx - Syy - Szz, Sxy + Syx, Szx + Sxz,
    Szx - Sxz, Sxy + Syx, -Sxx + Syy - Szz, Syz + Szy,
    Sxy - Syx, Szx + Sxz, Syz + Szy, -Sxx - Syy + Szz,
  ];
  const q = largestEigenvector4(N);
  const rotation = quaternionToMatrix(q[0], q[1], q[2], q[3]);

  // s = Σ w (tgt − t̄)·R(src − s̄) / Σ w ‖src − s̄‖² = trace(R·S) / varSource.
  let cross = 0;
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cross += rotation[3 * b + a] * S[3 * a + b];
  const scale = cross / varSource;
  const translation = new Float64Array([
    tx - scale * (rotation[0] * sx + rotation[1] * sy + rotation[2] * sz),
    ty - scale * (rotation[3] * sx + rotation[4] * sy + rotation[5] * sz),
    tz - scale * (rotation[6] * sx + rotation[7] * sy + rotation[8] * sz),
  ]);
  const residual = Math.max(0, varTarget - scale * cross);
  return { rotation, scale, translation, rms: Math.sqrt(residual / wSum) };
}

/** Unit quaternion (w, x, y, z) → row-major rotation matrix. */
export function quaternionToMatrix(w: number, x: number, y: number, z: number): Float64Array {
  const n = Math.hypot(w, x, y, z);
  w /= n; x /= n; y /= n; z /= n;
  return new Float64Array([
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ]);
}

/** Eigenvector of the largest eigenvalue of a symmetric 4×4 matrix (row-major), by cyclic Jacobi. */
function largestEigenvector4(M: number[]): [number, number, number, number] {
  const A = M.slice();
  const V = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 4; p++) for (let q = p + 1; q < 4; q++) off += A[4 * p + q] * A[4 * p + q];
    if (off < 1e-30) break;
    for (let p = 0; p < 4; p++) {
      for (let q = p + 1; q < 4; q++) {
        const apq = A[4 * p + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[4 * q + q] - A[4 * p + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 4; k++) {
          const akp = A[4 * k + p];
          const akq = A[4 * k + q];
          A[4 * k + p] = c * akp - s * akq;
          A[4 * k + q] = s * akp + c * akq;
        }
        for (let k = 0; k < 4; k++) {
          const apk = A[4 * p + k];
          const aqk = A[4 * q + k];
          A[4 * p + k] = c * apk - s * aqk;
          A[4 * q + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 4; k++) {
          const vkp = V[4 * k + p];
          const vkq = V[4 * k + q];
          V[4 * k + p] = c * vkp - s * vkq;
          V[4 * k + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (A[5 * i] > A[5 * best]) best = i;
  return [V[best], V[4 + best], V[8 + best], V[12 + best]];
}

import { InvalidArgumentError } from '@prnet/core';
import { fitSimilarity, type Similarity } from '@prnet/core/geometry';
import { EXPRESSION_COUNT, EXPRESSION_NAMES, expressionRecord } from '../data/expressions.js';
import { buildIctMesh, type IctModel } from '../ict/ict-model.js';
import { projectToImage } from '../render/face-renderer.js';

/**
 * Points on the ICT mesh, each a fixed linear combination of vertices (one vertex with weight 1,
 * or e.g. the mean of four eyelid vertices for an eye centre). Point i uses
 * `vertices[offsets[i] .. offsets[i+1])` with `weights` at the same positions.
 */
export interface MeshPoints {
  readonly count: number;
  readonly offsets: Uint32Array;
  readonly vertices: Uint32Array;
  readonly weights: Float32Array;
}

/** One vertex per point. */
export function vertexPoints(vertices: ArrayLike<number>): MeshPoints {
  const n = vertices.length;
  return {
    count: n,
    offsets: Uint32Array.from({ length: n + 1 }, (_, i) => i),
    vertices: Uint32Array.from(vertices),
    weights: new Float32Array(n).fill(1),
  };
}

/** Points that are each the mean of a list of vertices. */
export function meanVertexPoints(groups: readonly (readonly number[])[]): MeshPoints {
  const offsets = new Uint32Array(groups.length + 1);
  const vertices: number[] = [];
  const weights: number[] = [];
  groups.forEach((g, i) => {
    if (g.length === 0) throw new InvalidArgumentError(`mesh point ${i} has no vertex`);
    for (const v of g) {
      vertices.push(v);
      weights.push(1 / g.length);
    }
    offsets[i + 1] = vertices.length;
  });
  return { count: groups.length, offsets, vertices: Uint32Array.from(vertices), weights: Float32Array.from(weights) };
}

/** Evaluates mesh points on a mesh ([V*3], any frame) → [count*3]. */
export function evaluateMeshPoints(points: MeshPoints, mesh: ArrayLike<number>, out = new Float32Array(points.count * 3)): Float32Array {
  for (let i = 0; i < points.count; i++) {
    let x = 0;
    let y = 0;
    let z = 0;
    for (let k = points.offsets[i]; k < points.offsets[i + 1]; k++) {
      const v = points.vertices[k] * 3;
      const w = points.weights[k];
      x += w * mesh[v];
      y += w * mesh[v + 1];
      z += w * mesh[v + 2];
    }
    out[i * 3] = x;
    out[i * 3 + 1] = y;
    out[i * 3 + 2] = z;
  }
  return out;
}

/** Number of fitted coefficients: identity weights, then the 53 ARKit expression weights (`EXPRESSION_NAMES` order). */
export function coefficientCount(model: IctModel): number {
  return model.identityCount + EXPRESSION_COUNT;
}

/** The neutral position [n*3] and the linear basis [(n*3) × K] (row-major) of mesh points, model frame (cm). */
interface PointBasis {
  readonly count: number;
  readonly neutral: Float64Array;
  readonly basis: Float64Array;
}

function pointBasis(model: IctModel, points: MeshPoints): PointBasis {
  const K = coefficientCount(model);
  const V3 = model.vertexCount * 3;
  const n = points.count;
  const neutral = new Float64Array(n * 3);
  const basis = new Float64Array(n * 3 * K);
  const exprIndex = EXPRESSION_NAMES.map((name) => model.expressionNames.indexOf(name));
  for (let i = 0; i < n; i++) {
    for (let k = points.offsets[i]; k < points.offsets[i + 1]; k++) {
      const v = points.vertices[k] * 3;
      const w = points.weights[k];
      for (let a = 0; a < 3; a++) {
        neutral[i * 3 + a] += w * model.neutral[v + a];
        const row = (i * 3 + a) * K;
        for (let j = 0; j < model.identityCount; j++) basis[row + j] += w * model.identityDeltas[j * V3 + v + a];
        for (let e = 0; e < EXPRESSION_COUNT; e++) {
          if (exprIndex[e] >= 0) basis[row + model.identityCount + e] += w * model.expressionDeltas[exprIndex[e] * V3 + v + a];
        }
      }
    }
  }
  return { count: n, neutral, basis };
}

/** Options of `createMeshFitter`; defaults in brackets. */
export interface MeshFitterOptions {
  /** Alternations of similarity and coefficient solves. [5] */
  readonly iterations?: number;
  /** Expected residual of a 3D point (cm): sets the ridge strength λ = σ² against the N(0, 1) identity prior. [0.35] */
  readonly noiseCm?: number;
  /** Prior scale of the expression weights (L2 pull to 0 with this σ), besides their clamp to [0, 1]. [0.5] */
  readonly expressionPrior?: number;
  /** Weight of each 2D point (annotations) relative to a 3D point of weight 1. [4] */
  readonly pointWeight2d?: number;
}

/** What a fit found. */
export interface MeshFit {
  /** [identityCount] identity weights. */
  readonly identity: Float32Array;
  /** [53] expression weights, `EXPRESSION_NAMES` order, in [0, 1]. */
  readonly expression: Float32Array;
  /**
   * The similarity from the model frame to the y-flipped image frame (x, −y, z; a proper
   * rotation): image = F·(scale·rotation·model + translation), F = diag(1, −1, 1).
   */
  readonly similarity: Similarity;
  /** Weighted RMS distance (image pixels) of the 3D points from their targets after the fit. */
  readonly rms3d: number;
}

export interface MeshFitInput {
  /** [n3*3] image-frame targets (x, y pixels, y down; z towards the viewer, pixels) of the 3D points. */
  readonly targets3d: Float32Array;
  /** [n3] per-point weights (default: the fitter's). */
  readonly weights3d?: ArrayLike<number>;
  /** [n2*2] image-frame (x, y) targets of the 2D points; NaN = missing. Absent: 3D points only. */
  readonly targets2d?: Float32Array;
  /** Start from this fit's coefficients (e.g. a 3D-only fit before adding the 2D points). */
  readonly initial?: MeshFit;
  /** Iterations for this call. [the fitter's] */
  readonly iterations?: number;
}

export interface MeshFitter {
  readonly points3d: MeshPoints;
  readonly points2d?: MeshPoints;
  fit(input: MeshFitInput): MeshFit;
  /** [n2*3] image-frame positions of the 2D points (`points2d`) on a fitted mesh (z relative). */
  projectPoints2d(fit: MeshFit): Float32Array;
}

/** Solves the symmetric positive-definite system H·x = g (dense, n×n, row-major) in place of a copy; returns x. */
export function solveSpd(H: Float64Array, g: Float64Array, n: number): Float64Array {
  const L = Float64Array.from(H);
  for (let j = 0; j < n; j++) {
    let d = L[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0)) throw new InvalidArgumentError('solveSpd: matrix is not positive definite');
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = L[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = g[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Minimises ½xᵀHx − gᵀx with x[k] ∈ [lo[k], hi[k]] (±Infinity = free) by an active set: solve,
 * pin the variables outside their bounds at the bound, re-solve the rest; repeat (a pinned
 * variable whose gradient points inwards is released). Exact for a few active bounds.
 */
export function solveBoxedQuadratic(
  H: Float64Array,
  g: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  n: number,
  /** [n] the active set to start from (0 free, −1 at lo, +1 at hi), updated in place: pass the last solve's to warm-start. */
  pinned: Int8Array = new Int8Array(n),
): Float64Array {
  const x = new Float64Array(n);
  for (let round = 0; round < 20; round++) {
    const free: number[] = [];
    for (let k = 0; k < n; k++) {
      if (pinned[k] === 0) free.push(k);
      else x[k] = pinned[k] < 0 ? lo[k] : hi[k];
    }
    const m = free.length;
    const Hf = new Float64Array(m * m);
    const gf = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      const i = free[a];
      let s = g[i];
      for (let k = 0; k < n; k++) if (pinned[k] !== 0) s -= H[i * n + k] * x[k];
      gf[a] = s;
      for (let b = 0; b < m; b++) Hf[a * m + b] = H[i * n + free[b]];
    }
    const xf = m > 0 ? solveSpd(Hf, gf, m) : new Float64Array(0);
    let changed = false;
    for (let a = 0; a < m; a++) {
      const i = free[a];
      x[i] = xf[a];
      if (x[i] < lo[i]) {
        pinned[i] = -1;
        changed = true;
      } else if (x[i] > hi[i]) {
        pinned[i] = 1;
        changed = true;
      }
    }
    if (!changed) {
      // Release pinned variables whose gradient would move them inside.
      for (let k = 0; k < n; k++) {
        if (pinned[k] === 0) continue;
        let grad = -g[k];
        for (let j = 0; j < n; j++) grad += H[k * n + j] * x[j];
        if ((pinned[k] < 0 && grad < 0) || (pinned[k] > 0 && grad > 0)) {
          pinned[k] = 0;
          changed = true;
        }
      }
      if (!changed) break;
    }
  }
  for (let k = 0; k < n; k++) x[k] = Math.min(hi[k], Math.max(lo[k], x[k]));
  return x;
}

/**
 * A morphable-model fitter for fixed mesh points: 3D points (the teacher's, with targets in the
 * image frame) and optional 2D points (annotations). Alternates (a) a weighted 3D similarity
 * (Umeyama, core `fitSimilarity`) of the current model points onto the 3D targets and (b) a
 * ridge-regularised linear least-squares solve for identity (prior N(0, 1)) and expression
 * (clamped to [0, 1]) coefficients, residuals measured in model centimetres.
 */
export function createMeshFitter(
  model: IctModel,
  points3d: MeshPoints,
  points2d?: MeshPoints,
  weights3d?: ArrayLike<number>,
  options: MeshFitterOptions = {},
): MeshFitter {
  const K = coefficientCount(model);
  const I = model.identityCount;
  const iterations = options.iterations ?? 5;
  const noise = options.noiseCm ?? 0.35;
  const exprPrior = options.expressionPrior ?? 0.5;
  const w2d = options.pointWeight2d ?? 4;
  const b3 = pointBasis(model, points3d);
  const b2 = points2d ? pointBasis(model, points2d) : undefined;
  const defaultW3 = Float64Array.from(weights3d ?? new Float64Array(points3d.count).fill(1));
  const lo = new Float64Array(K);
  const hi = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    lo[k] = k < I ? -Infinity : 0;
    hi[k] = k < I ? Infinity : 1;
  }
  // The 3D part of the normal matrix, Σ w·Bᵀ·B, does not depend on the pose (rotations keep lengths).
  const h3Cache = new Map<Float64Array, Float64Array>();
  function normal3d(w: Float64Array): Float64Array {
    const cached = h3Cache.get(w);
    if (cached) return cached;
    const H = new Float64Array(K * K);
    const { basis } = b3;
    for (let r = 0; r < b3.count * 3; r++) {
      const wr = w[Math.floor(r / 3)];
      if (!(wr > 0)) continue;
      const row = r * K;
      for (let a = 0; a < K; a++) {
        const va = wr * basis[row + a];
        if (va === 0) continue;
        for (let b = a; b < K; b++) H[a * K + b] += va * basis[row + b];
      }
    }
    for (let a = 0; a < K; a++) for (let b = 0; b < a; b++) H[a * K + b] = H[b * K + a];
    if (w === defaultW3) h3Cache.set(w, H);
    return H;
  }

  function fit(input: MeshFitInput): MeshFit {
    const n3 = points3d.count;
    if (input.targets3d.length !== n3 * 3) throw new InvalidArgumentError(`targets3d must have ${n3 * 3} values, got ${input.targets3d.length}`);
    const w3 = input.weights3d ? Float64Array.from(input.weights3d) : defaultW3;
    // Targets in the y-flipped image frame, where the model → image map is a proper similarity.
    const flipped = new Float64Array(n3 * 3);
    for (let i = 0; i < n3; i++) {
      flipped[i * 3] = input.targets3d[i * 3];
      flipped[i * 3 + 1] = -input.targets3d[i * 3 + 1];
      flipped[i * 3 + 2] = input.targets3d[i * 3 + 2];
    }
    const t2 = b2 && input.targets2d && w2d > 0 ? input.targets2d : undefined;
    const H3 = normal3d(w3);
    const x = new Float64Array(K);
    if (input.initial) {
      x.set(input.initial.identity.subarray(0, I));
      x.set(input.initial.expression.subarray(0, K - I), I);
    }
    const current = new Float64Array(n3 * 3);
    /** The model's points for the current coefficients `x` (neutral + basis · x) into `current`. */
    const modelPoints = (): void => {
      for (let r = 0; r < n3 * 3; r++) {
        let v = b3.neutral[r];
        const row = r * K;
        for (let k = 0; k < K; k++) v += b3.basis[row + k] * x[k];
        current[r] = v;
      }
    };
    let sim: Similarity = fitSimilarity(b3.neutral, flipped, w3);
    const rounds = input.iterations ?? iterations;
    for (let it = 0; it < rounds; it++) {
      modelPoints();
      sim = fitSimilarity(current, flipped, w3);
      const R = sim.rotation;
      const s = sim.scale;
      const t = sim.translation;
      // Joint linear step over the coefficients and a small pose correction (scale, rotation,
      // translation about the current fit, 7 unknowns), so shape and pose do not have to be found
      // by slow alternation alone: model-frame prediction ≈ n + B·x + δs·P + ω×P + τ.
      const KP = K + 7;
      const H = new Float64Array(KP * KP);
      for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) H[a * KP + b] = H3[a * K + b];
      const g = new Float64Array(KP);
      const J = new Float64Array(7);
      const poseColumns = (P0: number, P1: number, P2: number, axis: number) => {
        // ∂/∂(δs, ωx, ωy, ωz, τx, τy, τz) of component `axis` of (1 + δs)(I + [ω]×)P + τ.
        J.fill(0);
        J[0] = axis === 0 ? P0 : axis === 1 ? P1 : P2;
        if (axis === 0) {
          J[2] = P2;
          J[3] = -P1;
        } else if (axis === 1) {
          J[1] = -P2;
          J[3] = P0;
        } else {
          J[1] = P1;
          J[2] = -P0;
        }
        J[4 + axis] = 1;
      };
      // Cross block C = Σ w·Bᵀ·J (K×7) accumulated densely, copied into H once.
      const C = new Float64Array(K * 7);
      const addRow = (w: number, y: number, basisRow: Float64Array | ArrayLike<number>, basisOffset: number, withBasisBlock: boolean) => {
        const wy = w * y;
        const [j0, j1, j2, j3, j4, j5, j6] = J;
        for (let k = 0; k < K; k++) {
          const bk = basisRow[basisOffset + k];
          if (bk === 0) continue;
          g[k] += wy * bk;
          const wb = w * bk;
          if (withBasisBlock) for (let q = 0; q < K; q++) H[k * KP + q] += wb * basisRow[basisOffset + q];
          const c = k * 7;
          C[c] += wb * j0;
          C[c + 1] += wb * j1;
          C[c + 2] += wb * j2;
          C[c + 3] += wb * j3;
          C[c + 4] += wb * j4;
          C[c + 5] += wb * j5;
          C[c + 6] += wb * j6;
        }
        for (let j = 0; j < 7; j++) {
          g[K + j] += wy * J[j];
          for (let q = 0; q < 7; q++) H[(K + j) * KP + K + q] += w * J[j] * J[q];
        }
      };
      // 3D: model-frame residual y = Rᵀ(target − t)/s − neutral; rows B (their BᵀB block is in H3).
      for (let i = 0; i < n3; i++) {
        const wi = w3[i];
        if (!(wi > 0)) continue;
        const d0 = (flipped[i * 3] - t[0]) / s;
        const d1 = (flipped[i * 3 + 1] - t[1]) / s;
        const d2 = (flipped[i * 3 + 2] - t[2]) / s;
        for (let a = 0; a < 3; a++) {
          const y = R[a] * d0 + R[3 + a] * d1 + R[6 + a] * d2 - b3.neutral[i * 3 + a];
          poseColumns(current[i * 3], current[i * 3 + 1], current[i * 3 + 2], a);
          addRow(wi, y, b3.basis, (i * 3 + a) * K, false);
        }
      }
      // 2D: rows (R·[B | J]) x and y, residual in cm in the flipped image frame.
      if (b2 && t2) {
        const rb = new Float64Array(K);
        const Jrot = new Float64Array(7);
        const P = new Float64Array(3);
        for (let i = 0; i < b2.count; i++) {
          const tx = t2[i * 2];
          const ty = t2[i * 2 + 1];
          if (!Number.isFinite(tx) || !Number.isFinite(ty)) continue;
          for (let c = 0; c < 3; c++) {
            let v = b2.neutral[i * 3 + c];
            for (let k = 0; k < K; k++) v += b2.basis[(i * 3 + c) * K + k] * x[k];
            P[c] = v;
          }
          const target = [(tx - t[0]) / s, (-ty - t[1]) / s];
          for (let a = 0; a < 2; a++) {
            let rn = 0;
            for (let c = 0; c < 3; c++) rn += R[a * 3 + c] * b2.neutral[i * 3 + c];
            for (let k = 0; k < K; k++) {
              let v = 0;
              for (let c = 0; c < 3; c++) v += R[a * 3 + c] * b2.basis[(i * 3 + c) * K + k];
              rb[k] = v;
            }
            Jrot.fill(0);
            for (let c = 0; c < 3; c++) {
              poseColumns(P[0], P[1], P[2], c);
              for (let j = 0; j < 7; j++) Jrot[j] += R[a * 3 + c] * J[j];
            }
            J.set(Jrot);
            addRow(w2d, target[a] - rn, rb, 0, true);
          }
        }
      }
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < 7; j++) {
          H[k * KP + K + j] = C[k * 7 + j];
          H[(K + j) * KP + k] = C[k * 7 + j];
        }
      }
      const lambdaId = noise * noise;
      const lambdaEx = (noise * noise) / (exprPrior * exprPrior);
      for (let k = 0; k < K; k++) H[k * KP + k] += k < I ? lambdaId : lambdaEx;
      // A tiny ridge on the pose correction keeps the system definite for degenerate point sets.
      for (let j = 0; j < 7; j++) H[(K + j) * KP + K + j] += 1e-9;
      const loP = new Float64Array(KP).fill(-Infinity);
      const hiP = new Float64Array(KP).fill(Infinity);
      loP.set(lo);
      hiP.set(hi);
      x.set(solveBoxedQuadratic(H, g, loP, hiP, KP).subarray(0, K));
    }
    // Final pose for the final coefficients.
    modelPoints();
    sim = fitSimilarity(current, flipped, w3);
    return {
      identity: Float32Array.from(x.subarray(0, I)),
      expression: Float32Array.from(x.subarray(I)),
      similarity: sim,
      rms3d: sim.rms,
    };
  }

  function projectPoints2d(fit: MeshFit): Float32Array {
    if (!b2) throw new InvalidArgumentError('this fitter has no 2D points');
    const out = new Float32Array(b2.count * 3);
    const { rotation: R, scale: s, translation: t } = fit.similarity;
    const P = new Float64Array(3);
    for (let i = 0; i < b2.count; i++) {
      for (let c = 0; c < 3; c++) {
        const row = (i * 3 + c) * K;
        let v = b2.neutral[i * 3 + c];
        for (let k = 0; k < I; k++) v += b2.basis[row + k] * fit.identity[k];
        for (let e = 0; e < K - I; e++) v += b2.basis[row + I + e] * fit.expression[e];
        P[c] = v;
      }
      for (let a = 0; a < 3; a++) {
        const v = s * (R[a * 3] * P[0] + R[a * 3 + 1] * P[1] + R[a * 3 + 2] * P[2]) + t[a];
        out[i * 3 + a] = a === 1 ? -v : v;
      }
    }
    return out;
  }

  return { points3d, points2d, fit, projectPoints2d };
}

/**
 * The fitted ICT mesh in the image frame (x right, y down, pixels; z towards the viewer): [V*3].
 * Same projection as the renderer (`projectToImage`), so labels match the synthetic ones.
 */
export function fittedImageVertices(model: IctModel, fit: MeshFit, options: { readonly faceOnly?: boolean } = {}): Float32Array {
  const mesh = options.faceOnly ? buildFaceMesh(model, fit.identity, fit.expression) : buildIctMesh(model, { identity: fit.identity, expression: expressionRecord(fit.expression) });
  const { rotation, scale, translation } = fit.similarity;
  const out = projectToImage(mesh, rotation, scale, [translation[0], -translation[1]]);
  for (let i = 2; i < out.length; i += 3) out[i] += translation[2];
  return out;
}

/**
 * Like `buildIctMesh`, but only the face-area vertices [0, faceVertexEnd] are computed (the rest of
 * the [V*3] result stays 0): what position maps need, about 3× faster.
 * @param expression [53] weights in `EXPRESSION_NAMES` order.
 */
export function buildFaceMesh(model: IctModel, identity: ArrayLike<number>, expression: ArrayLike<number>): Float32Array {
  const V3 = model.vertexCount * 3;
  const n = (model.faceVertexEnd + 1) * 3;
  const out = new Float32Array(V3);
  out.set(model.neutral.subarray(0, n));
  const add = (deltas: Float32Array, k: number, w: number) => {
    if (w === 0) return;
    const base = k * V3;
    for (let i = 0; i < n; i++) out[i] += w * deltas[base + i];
  };
  for (let k = 0; k < Math.min(identity.length, model.identityCount); k++) add(model.identityDeltas, k, identity[k]);
  EXPRESSION_NAMES.forEach((name, e) => {
    const k = model.expressionNames.indexOf(name);
    if (k >= 0) add(model.expressionDeltas, k, expression[e] ?? 0);
  });
  return out;
}

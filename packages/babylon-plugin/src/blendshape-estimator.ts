import { fitSimilarity, type UvLayout } from '@prnet/core';
import { ARKIT_COUNT, arkitIndex } from './arkit.js';
import type { BlendshapeBasis } from './blendshape-basis.js';
import { InvalidArgumentError, InvalidBasisError } from './errors.js';

export interface BlendshapeEstimatorConfig {
  /**
   * Ridge weight λ of the fit (cm² per unit weight²): larger = weights shrink towards 0 and the
   * fit is steadier when the mesh is noisy. Default 0.02.
   */
  ridge?: number;
  /** Coordinate-descent sweeps per estimate (warm-started from the previous one). Default 30. */
  sweeps?: number;
  /**
   * Basis points that no shape moves by more than this (cm) anchor the rigid fit that
   * frontalises the mesh (forehead, nose bridge, temples). Default 0.1.
   */
  stableThreshold?: number;
}

export const BLENDSHAPE_ESTIMATOR_DEFAULTS = { ridge: 0.02, sweeps: 30, stableThreshold: 0.1 } as const;

/**
 * Estimates the 52 ARKit blendshape weights from a reconstructed dense mesh: the mesh is
 * frontalised (into the model frame, cm) by a similarity fit of the neutral face's *stable*
 * points — those no expression moves, so the fit is not pulled by an open jaw the way the full
 * head-pose fit is — then its displacement from the neutral
 * face is taken at the basis's UV points, and the weights are the box-constrained (0..1) ridge
 * least-squares fit of the basis to that displacement. Shapes the basis lacks stay 0.
 *
 * The neutral face is the layout's mean face until `calibrate()` records the user's own.
 * Buffers are preallocated; the rigid fit (core's `fitSimilarity`) allocates a few small arrays.
 */
export interface BlendshapeEstimator {
  /** Ridge weight (see config); may be changed between calls. */
  ridge: number;
  /** Sweeps per estimate. */
  sweeps: number;
  /**
   * Weights for one face. @param vertices [N*3] dense vertices (image frame, `FaceReconstruction.vertices`).
   * @param out Float32Array(52) in `ARKIT_BLENDSHAPES` order (written and returned).
   */
  estimate(vertices: Float32Array, out?: Float32Array): Float32Array;
  /** Records this face as the neutral (relaxed expression) face. */
  calibrate(vertices: Float32Array): void;
  /** Back to the layout's mean face as the neutral face. */
  resetCalibration(): void;
  /** True after `calibrate()`. */
  readonly calibrated: boolean;
}

export function createBlendshapeEstimator(
  basis: BlendshapeBasis,
  layout: UvLayout,
  config: BlendshapeEstimatorConfig = {},
): BlendshapeEstimator {
  if (basis.resolution !== layout.resolution) {
    throw new InvalidBasisError(`the basis is for a ${basis.resolution}² UV layout, the layout is ${layout.resolution}²`);
  }
  const P = basis.pixels.length;
  const S = basis.names.length;
  // Dense vertex index of each basis point.
  const vertexOfPixel = new Int32Array(layout.resolution * layout.resolution).fill(-1);
  for (let k = 0; k < layout.vertexPixels.length; k++) vertexOfPixel[layout.vertexPixels[k]] = k;
  const vertexIndex = new Uint32Array(P);
  const meanNeutral = new Float64Array(P * 3);
  for (let p = 0; p < P; p++) {
    const v = vertexOfPixel[basis.pixels[p]];
    if (v < 0) throw new InvalidBasisError(`basis point ${p} (pixel ${basis.pixels[p]}) is outside the layout's mask`);
    vertexIndex[p] = v;
    const px = basis.pixels[p] * 3;
    meanNeutral[p * 3] = layout.meanFace[px];
    meanNeutral[p * 3 + 1] = layout.meanFace[px + 1];
    meanNeutral[p * 3 + 2] = layout.meanFace[px + 2];
  }
  const slot = Int32Array.from(basis.names, (name) => arkitIndex(name));
  const A = basis.deltas;
  const gram = new Float64Array(S * S);
  for (let i = 0; i < S; i++) {
    for (let j = i; j < S; j++) {
      let sum = 0;
      const oi = i * P * 3;
      const oj = j * P * 3;
      for (let k = 0; k < P * 3; k++) sum += A[oi + k] * A[oj + k];
      gram[i * S + j] = sum;
      gram[j * S + i] = sum;
    }
  }
  // Stable points: no shape moves them by more than the threshold.
  const threshold = config.stableThreshold ?? BLENDSHAPE_ESTIMATOR_DEFAULTS.stableThreshold;
  const stableList: number[] = [];
  for (let p = 0; p < P; p++) {
    let most = 0;
    for (let s = 0; s < S; s++) {
      const o = (s * P + p) * 3;
      most = Math.max(most, Math.hypot(A[o], A[o + 1], A[o + 2]));
    }
    if (most <= threshold) stableList.push(p);
  }
  if (stableList.length < 20) throw new InvalidBasisError(`only ${stableList.length} stable basis points (threshold ${threshold} cm)`);
  const stable = Uint32Array.from(stableList);
  const ones = new Float64Array(P).fill(1);
  const target = new Float64Array(P * 3);
  const neutral = new Float64Array(meanNeutral);
  const displacement = new Float64Array(P * 3);
  const rhs = new Float64Array(S);
  const w = new Float64Array(S);
  let calibrated = false;

  /**
   * Basis points of a mesh in the model frame (cm) into `result`: image points with y flipped,
   * fitted on the stable points to `reference` by a similarity, mapped back through it.
   */
  function frontalPoints(vertices: Float32Array, reference: Float64Array, result: Float64Array): void {
    if (vertices.length !== layout.vertexPixels.length * 3) {
      throw new InvalidArgumentError(`expected ${layout.vertexPixels.length * 3} vertex coordinates, got ${vertices.length}`);
    }
    for (let p = 0; p < P; p++) {
      const v = vertexIndex[p] * 3;
      target[p * 3] = vertices[v];
      target[p * 3 + 1] = -vertices[v + 1];
      target[p * 3 + 2] = vertices[v + 2];
    }
    const fit = fitSimilarity(reference, target, ones, stable);
    const R = fit.rotation;
    const t = fit.translation;
    const inv = 1 / fit.scale;
    for (let p = 0; p < P; p++) {
      const x = (target[p * 3] - t[0]) * inv;
      const y = (target[p * 3 + 1] - t[1]) * inv;
      const z = (target[p * 3 + 2] - t[2]) * inv;
      result[p * 3] = R[0] * x + R[3] * y + R[6] * z;
      result[p * 3 + 1] = R[1] * x + R[4] * y + R[7] * z;
      result[p * 3 + 2] = R[2] * x + R[5] * y + R[8] * z;
    }
  }

  const estimator: BlendshapeEstimator = {
    ridge: config.ridge ?? BLENDSHAPE_ESTIMATOR_DEFAULTS.ridge,
    sweeps: config.sweeps ?? BLENDSHAPE_ESTIMATOR_DEFAULTS.sweeps,
    get calibrated() {
      return calibrated;
    },
    estimate(vertices, out = new Float32Array(ARKIT_COUNT)) {
      frontalPoints(vertices, neutral, displacement);
      for (let k = 0; k < P * 3; k++) displacement[k] -= neutral[k];
      for (let s = 0; s < S; s++) {
        let sum = 0;
        const o = s * P * 3;
        for (let k = 0; k < P * 3; k++) sum += A[o + k] * displacement[k];
        rhs[s] = sum;
      }
      // Projected coordinate descent on ½wᵀ(G + λI)w − rhsᵀw, 0 ≤ w ≤ 1, warm-started.
      const lambda = Math.max(0, estimator.ridge);
      for (let sweep = 0; sweep < estimator.sweeps; sweep++) {
        for (let i = 0; i < S; i++) {
          let r = rhs[i];
          const row = i * S;
          for (let j = 0; j < S; j++) if (j !== i) r -= gram[row + j] * w[j];
          const value = r / (gram[row + i] + lambda);
          w[i] = value < 0 ? 0 : value > 1 ? 1 : value;
        }
      }
      out.fill(0);
      for (let s = 0; s < S; s++) out[slot[s]] = w[s];
      return out;
    },
    calibrate(vertices) {
      frontalPoints(vertices, meanNeutral, neutral);
      w.fill(0);
      calibrated = true;
    },
    resetCalibration() {
      neutral.set(meanNeutral);
      w.fill(0);
      calibrated = false;
    },
  };
  return estimator;
}

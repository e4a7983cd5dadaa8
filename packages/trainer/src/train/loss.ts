import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type UvLayout } from '@prnet/core';

/**
 * PRNet's training losses, in the network's sigmoid output space (crop px / (S × OUTPUT_SCALE)).
 *
 * - `positionMapLoss`: the weighted mean squared error of the position map, weighted per UV pixel
 *   by the layout's `weightMask` (16 at the 68 landmarks, 4 eyes/nose/mouth, 3 rest of the face,
 *   0 outside) and normalised by the weight sum, so a uniform error e per coordinate gives e².
 * - `landmarkReprojectionLoss`: for samples that carry only 2D landmarks, the mean squared (x, y)
 *   error of the predicted map at the 68 landmark pixels against the given points, over the
 *   visible points. It is computed densely (a per-pixel target and weight map that is zero away
 *   from the landmark pixels) so its gradient needs only element-wise ops on every backend.
 */

/** The layout's weight mask as a `[1, R, R, 1]` tensor (broadcasts over batch and xyz). Caller disposes. */
export function weightMaskTensor(layout: UvLayout): tf.Tensor4D {
  const R = layout.resolution;
  if (layout.weightMask.length !== R * R) {
    throw new InvalidArgumentError(`weightMask has ${layout.weightMask.length} values, expected ${R * R}`);
  }
  return tf.tensor4d(layout.weightMask, [1, R, R, 1], 'float32');
}

/**
 * Weighted position-map MSE: Σ_{n,p,c} s_n · w_p · (pred − target)² / (3 · Σ_n s_n · Σ_p w_p).
 * @param pred `[N, R, R, 3]` sigmoid outputs.
 * @param target `[N, R, R, 3]` targets in the same units.
 * @param weights `[1, R, R, 1]` per-pixel weights (`weightMaskTensor`).
 * @param sampleWeights optional `[N]` per-sample weights (0 for a sample without a dense target);
 *   default 1 each. When they sum to 0 the loss is 0.
 * @returns a scalar (sigmoid units²).
 */
export function positionMapLoss(
  pred: tf.Tensor4D,
  target: tf.Tensor4D,
  weights: tf.Tensor4D,
  sampleWeights?: tf.Tensor1D,
): tf.Scalar {
  checkMaps(pred, target, 'positionMapLoss');
  const [N, R] = pred.shape;
  if (weights.shape[1] !== R || weights.shape[2] !== R) {
    throw new InvalidArgumentError(`positionMapLoss: weights are ${weights.shape.join('×')}, the maps ${R}×${R}`);
  }
  if (sampleWeights && sampleWeights.shape[0] !== N) {
    throw new InvalidArgumentError(`positionMapLoss: ${sampleWeights.shape[0]} sample weights for ${N} samples`);
  }
  return tf.tidy(() => {
    const pixelSum = tf.sum(weights);
    let weighted = tf.mul(tf.squaredDifference(pred, target), weights);
    let count: tf.Tensor = tf.scalar(N);
    if (sampleWeights) {
      weighted = tf.mul(weighted, tf.reshape(sampleWeights, [N, 1, 1, 1]));
      count = tf.sum(sampleWeights);
    }
    const denominator = tf.mul(tf.mul(pixelSum, count), 3);
    // A batch without weight has a zero numerator: dividing by max(den, tiny) gives 0, not NaN
    // (tf.divNoNan has no gradient in tfjs: it goes through Equal).
    return tf.div(tf.sum(weighted), tf.maximum(denominator, 1e-12)) as tf.Scalar;
  });
}

/** Dense form of sparse 2D landmark targets, as plain arrays (see `denseLandmarkTargets`). */
export interface DenseLandmarkTargets {
  /** `[N*R*R*2]` target (x, y) at each landmark pixel, 0 elsewhere (sigmoid units). */
  points: Float32Array;
  /** `[N*R*R]` visibility weight at each landmark pixel (summed when two landmarks share a pixel), 0 elsewhere. */
  weights: Float32Array;
  /** Number of samples N. */
  count: number;
  /** Position-map side R. */
  resolution: number;
}

/**
 * Spreads sparse 2D landmarks onto the position-map grid.
 * @param points `[N*68*2]` landmark (x, y) per sample in sigmoid units (crop px / (S × 1.1)).
 * @param visibility `[N*68]` weights, 1 = visible/labelled, 0 = ignore (values in [0, 1] weight the point).
 * @param layout gives `landmarkPixels` and R.
 * Landmarks that share a pixel are averaged (weight-weighted), so the loss equals the sparse one.
 */
export function denseLandmarkTargets(
  points: ArrayLike<number>,
  visibility: ArrayLike<number>,
  layout: Pick<UvLayout, 'resolution' | 'landmarkPixels'>,
): DenseLandmarkTargets {
  const N = visibility.length / 68;
  if (!Number.isInteger(N) || points.length !== N * 68 * 2) {
    throw new InvalidArgumentError(
      `denseLandmarkTargets needs 68×2 points and 68 visibilities per sample, got ${points.length} and ${visibility.length}`,
    );
  }
  const R2 = layout.resolution * layout.resolution;
  const dense = new Float32Array(N * R2 * 2);
  const weights = new Float32Array(N * R2);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < 68; k++) {
      const v = visibility[n * 68 + k];
      if (!(v > 0)) continue;
      const p = n * R2 + layout.landmarkPixels[k];
      dense[p * 2] += v * points[(n * 68 + k) * 2];
      dense[p * 2 + 1] += v * points[(n * 68 + k) * 2 + 1];
      weights[p] += v;
    }
  }
  for (let p = 0; p < N * R2; p++) {
    if (weights[p] > 0) {
      dense[p * 2] /= weights[p];
      dense[p * 2 + 1] /= weights[p];
    }
  }
  return { points: dense, weights, count: N, resolution: layout.resolution };
}

/**
 * Sparse 2D landmark reprojection loss: Σ v_nk · ‖pred_xy(n, landmarkPixel_k) − point_nk‖² / (2 · Σ v_nk),
 * i.e. the mean squared x/y error over the visible landmarks (sigmoid units²). 0 when no landmark is
 * visible. `targets` from `denseLandmarkTargets` (N and R must match `pred`).
 * @param pred `[N, R, R, 3]` sigmoid outputs (only x, y are used).
 */
export function landmarkReprojectionLoss(pred: tf.Tensor4D, targets: DenseLandmarkTargets): tf.Scalar {
  const [N, R] = pred.shape;
  if (targets.count !== N || targets.resolution !== R || pred.shape[3] !== 3) {
    throw new InvalidArgumentError(
      `landmarkReprojectionLoss: targets for ${targets.count} samples at R=${targets.resolution}, prediction ${pred.shape.join('×')}`,
    );
  }
  return tf.tidy(() => {
    const xy = tf.slice(pred, [0, 0, 0, 0], [N, R, R, 2]);
    const points = tf.tensor4d(targets.points, [N, R, R, 2]);
    // Squared weights-sum trick: w·(xy − t)² summed equals Σ v_k (x_k − t_k)² when landmarks don't share pixels;
    // shared pixels (averaged targets) differ only by a constant, which has no gradient.
    const weights = tf.tensor4d(targets.weights, [N, R, R, 1]);
    const total = tf.sum(tf.mul(tf.squaredDifference(xy, points), weights));
    return tf.div(total, tf.maximum(tf.mul(tf.sum(weights), 2), 1e-12)) as tf.Scalar;
  });
}

function checkMaps(pred: tf.Tensor4D, target: tf.Tensor4D, what: string): void {
  const a = pred.shape;
  const b = target.shape;
  if (a.length !== 4 || a[3] !== 3 || a[1] !== a[2] || a.some((d, i) => d !== b[i])) {
    throw new InvalidArgumentError(`${what}: prediction ${a.join('×')} and target ${b.join('×')} must both be [N, R, R, 3]`);
  }
}

/**
 * Landmark-definition calibration: which UV pixel of the position map stands for each of the 68
 * points of a benchmark's annotation convention.
 *
 * Our UV space comes from the ICT Face Model, whose 68 landmark vertices follow ICT's reading of
 * the Multi-PIE scheme. AFLW2000-3D's 68 points are vertices of a different model (the Basel Face
 * Model fits of 300W-LP), and the two definitions differ by a few percent of the face size (the
 * brows most: ICT's sit higher). The shared data's README allows the 200-image dev split for
 * "validation and calibration": this module picks, for each landmark, the UV pixel within
 * `radius` pixels of the current one that minimises the mean NME over the images (weighted so that
 * the three yaw bins count equally, like the reported metric), from predicted position maps.
 *
 * Overfitting is measured, not assumed away: `crossValidateLandmarkCalibration` fits on one half
 * of the images and scores the other half, both ways, so every image is scored by a calibration
 * that did not see it.
 */
import { InvalidArgumentError } from '@prnet/core';
import { binWeights, YAW_BINS, type YawBin } from '../eval/metrics.js';

/** One image's data for the calibration. */
export interface CalibrationSample {
  /** [R*R*3] predicted position map in image pixels (x, y, z). */
  readonly positionMap: Float32Array;
  /** [68*3] ground-truth landmarks (x, y used). */
  readonly truth: Float32Array;
  /** Normaliser: sqrt(w·h) of the ground-truth 68-point box. */
  readonly norm: number;
  readonly bin: YawBin;
}

/**
 * The calibrated landmark pixels: for each landmark, the masked pixel within `radius` (Chebyshev
 * distance on the R×R grid) of `start[k]` with the least bin-weighted mean 2D error over `samples`.
 * Landmarks keep distinct pixels (a layout rejects repeats): each takes the best pixel that no
 * earlier landmark took.
 */
export function calibrateLandmarkPixels(
  samples: readonly CalibrationSample[],
  start: Uint32Array,
  mask: Uint8Array,
  resolution: number,
  radius = 8,
): Uint32Array {
  if (samples.length === 0) throw new InvalidArgumentError('landmark calibration needs at least one sample');
  if (!Number.isInteger(radius) || radius < 0) throw new InvalidArgumentError(`radius must be an integer ≥ 0, got ${radius}`);
  const R = resolution;
  const weights = binWeights(samples.map((s) => s.bin));
  const result = new Uint32Array(start.length);
  const taken = new Set<number>();
  for (let k = 0; k < start.length; k++) {
    const x0 = start[k] % R;
    const y0 = Math.floor(start[k] / R);
    let best = start[k];
    let bestCost = Infinity;
    for (let y = Math.max(0, y0 - radius); y <= Math.min(R - 1, y0 + radius); y++) {
      for (let x = Math.max(0, x0 - radius); x <= Math.min(R - 1, x0 + radius); x++) {
        const p = y * R + x;
        if ((!mask[p] && p !== start[k]) || taken.has(p)) continue;
        let cost = 0;
        for (let i = 0; i < samples.length; i++) {
          const s = samples[i];
          const dx = s.positionMap[p * 3] - s.truth[k * 3];
          const dy = s.positionMap[p * 3 + 1] - s.truth[k * 3 + 1];
          cost += (weights[i] * Math.hypot(dx, dy)) / s.norm;
        }
        // Ties keep the nearer pixel (the start first).
        if (cost < bestCost - 1e-12) {
          bestCost = cost;
          best = p;
        }
      }
    }
    result[k] = best;
    taken.add(best);
  }
  return result;
}

/** NME 2D (%) of one sample with the given landmark pixels. */
export function sampleNme(sample: CalibrationSample, pixels: Uint32Array): number {
  let sum = 0;
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    sum += Math.hypot(sample.positionMap[p * 3] - sample.truth[k * 3], sample.positionMap[p * 3 + 1] - sample.truth[k * 3 + 1]);
  }
  return (100 * sum) / pixels.length / sample.norm;
}

/** NME per yaw bin and their mean, for per-sample NMEs. */
export function binTable(samples: readonly CalibrationSample[], nme: readonly number[]): { bins: Record<string, number>; mean: number } {
  const bins: Record<string, number> = {};
  const used: number[] = [];
  for (const bin of YAW_BINS) {
    const values = nme.filter((_, i) => samples[i].bin === bin);
    if (values.length === 0) continue;
    bins[bin] = values.reduce((a, b) => a + b, 0) / values.length;
    used.push(bins[bin]);
  }
  return { bins, mean: used.reduce((a, b) => a + b, 0) / used.length };
}

export interface CrossValidation {
  /** Per-sample NME with the starting pixels. */
  readonly before: number[];
  /** Per-sample NME with the pixels calibrated on the other fold. */
  readonly after: number[];
  /** Mean pixel move (grid pixels) between the two folds' calibrations: their agreement. */
  readonly foldDisagreementPx: number;
}

/** Two-fold cross-validation (even / odd sample indices). */
export function crossValidateLandmarkCalibration(
  samples: readonly CalibrationSample[],
  start: Uint32Array,
  mask: Uint8Array,
  resolution: number,
  radius = 8,
): CrossValidation {
  const folds = [0, 1].map((f) => samples.filter((_, i) => i % 2 === f));
  const calibrated = folds.map((fold) => calibrateLandmarkPixels(fold, start, mask, resolution, radius));
  const after = samples.map((s, i) => sampleNme(s, calibrated[1 - (i % 2)]));
  const before = samples.map((s) => sampleNme(s, start));
  let moved = 0;
  for (let k = 0; k < start.length; k++) {
    const [a, b] = calibrated;
    moved += Math.hypot((a[k] % resolution) - (b[k] % resolution), Math.floor(a[k] / resolution) - Math.floor(b[k] / resolution));
  }
  return { before, after, foldDisagreementPx: moved / start.length };
}

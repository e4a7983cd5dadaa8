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
import {
  blendLandmarkPixels,
  InvalidArgumentError,
  LANDMARK68_MIRROR,
  mirrorLandmarkPixels,
  profileBlendWeight,
  type ProfileLandmarks,
} from '@prnet/core';
import { binWeights, YAW_BINS, type YawBin } from '../eval/metrics.js';

/** One image's data for the calibration. */
export interface CalibrationSample {
  /** [R*R*3] predicted position map in image pixels (x, y, z). */
  readonly positionMap: Float32Array;
  /** [68*3] ground-truth landmarks (x, y; z only in the profile fit's depth term). */
  readonly truth: Float32Array;
  /** Normaliser: sqrt(w·h) of the ground-truth 68-point box. */
  readonly norm: number;
  readonly bin: YawBin;
  /** The head yaw the model reports for this face (degrees, > 0 = nose towards the image's left); for the profile set. */
  readonly yaw?: number;
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
    const best = cheapestPixelNear(
      start[k],
      radius,
      R,
      (p) => (mask[p] > 0 || p === start[k]) && !taken.has(p),
      (p) => {
        let cost = 0;
        for (let i = 0; i < samples.length; i++) {
          const s = samples[i];
          const dx = s.positionMap[p * 3] - s.truth[k * 3];
          const dy = s.positionMap[p * 3 + 1] - s.truth[k * 3 + 1];
          cost += (weights[i] * Math.hypot(dx, dy)) / s.norm;
        }
        return cost;
      },
    );
    result[k] = best >= 0 ? best : start[k];
    taken.add(result[k]);
  }
  return result;
}

/**
 * The pixel within `radius` (Chebyshev distance on the R×R grid) of `centre` with the least
 * `cost` among those `usable` allows; −1 when none is usable. Scanned row by row, a later pixel
 * must be cheaper by more than 1e-12 to win, so ties keep the first.
 */
function cheapestPixelNear(
  centre: number,
  radius: number,
  R: number,
  usable: (p: number) => boolean,
  cost: (p: number) => number,
): number {
  const x0 = centre % R;
  const y0 = Math.floor(centre / R);
  let best = -1;
  let bestCost = Infinity;
  for (let y = Math.max(0, y0 - radius); y <= Math.min(R - 1, y0 + radius); y++) {
    for (let x = Math.max(0, x0 - radius); x <= Math.min(R - 1, x0 + radius); x++) {
      const p = y * R + x;
      if (!usable(p)) continue;
      const c = cost(p);
      if (c < bestCost - 1e-12) {
        bestCost = c;
        best = p;
      }
    }
  }
  return best;
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

/** Settings of the yaw-dependent (profile) landmark calibration. */
export interface ProfileCalibrationOptions {
  /** The UV layout's left–right pixel map (`uvMirrorMap`). */
  readonly mirror: Int32Array;
  /** The landmarks' left–right map. [LANDMARK68_MIRROR] */
  readonly landmarkMirror?: readonly number[];
  /** Faces whose |yaw| exceeds this many degrees fit the profile set. [40] */
  readonly yawThreshold?: number;
  /** The blend runs over threshold ± this many degrees. [10] */
  readonly blendHalfWidth?: number;
  /** Search radius (grid pixels) around the start pixels. [8] */
  readonly radius?: number;
  /**
   * Weight of the 3D error (z aligned by the face's mean offset over the frontal points) against
   * the 2D error in the fit: the 2D-only fit picks points whose depth is off and raises NME 3D. [0.1]
   */
  readonly depthWeight?: number;
}

/**
 * The profile landmark set (see `ProfileLandmarks` in core) that goes with the frontal pixels
 * `frontal`: for each landmark, the pixel within `radius` of `start[k]` that minimises the
 * bin-weighted mean 2D error of the landmark as core computes it — the frontal point blended into
 * the profile point by the face's yaw — over every face the blend reaches (|yaw| above threshold −
 * blendHalfWidth), with a small share of 3D error (`depthWeight`). Faces turned the other way
 * (yaw < 0) count through the mirror: their landmark `landmarkMirror[k]` read at the mirror pixel,
 * so both sides share one fit (the set is stored for yaw > 0 and mirrored for yaw < 0). Samples
 * need `yaw`.
 */
export function calibrateProfileLandmarkPixels(
  samples: readonly CalibrationSample[],
  start: Uint32Array,
  frontal: Uint32Array,
  mask: Uint8Array,
  resolution: number,
  options: ProfileCalibrationOptions,
): ProfileLandmarks {
  const threshold = options.yawThreshold ?? 40;
  const half = options.blendHalfWidth ?? 10;
  const radius = options.radius ?? 8;
  if (!Number.isInteger(radius) || radius < 0) throw new InvalidArgumentError(`radius must be an integer ≥ 0, got ${radius}`);
  const landmarkMirror = options.landmarkMirror ?? LANDMARK68_MIRROR;
  const { mirror } = options;
  if (!(threshold - half >= 0 && half > 0)) throw new InvalidArgumentError(`the profile blend [${threshold - half}, ${threshold + half}] must start at ≥ 0 and have a width`);
  if (landmarkMirror.length !== start.length || frontal.length !== start.length) {
    throw new InvalidArgumentError(`${start.length} landmarks, ${frontal.length} frontal pixels and a ${landmarkMirror.length}-point mirror map`);
  }
  const blendYawDegrees: [number, number] = [threshold - half, threshold + half];
  const turned = samples.filter((s) => {
    if (s.yaw === undefined || !Number.isFinite(s.yaw)) throw new InvalidArgumentError('the profile calibration needs every sample\'s yaw');
    return profileBlendWeight(s.yaw, blendYawDegrees) > 0;
  });
  if (turned.length === 0) throw new InvalidArgumentError(`no sample turned past ${blendYawDegrees[0]}° for the profile calibration`);
  const weights = binWeights(turned.map((s) => s.bin));
  const blend = turned.map((s) => profileBlendWeight(s.yaw!, blendYawDegrees));
  const depthWeight = options.depthWeight ?? 0.1;
  if (!(depthWeight >= 0 && depthWeight <= 1)) throw new InvalidArgumentError(`depthWeight must be in [0, 1], got ${depthWeight}`);
  // Each face's z offset between truth and prediction over the frontal points (3D NME removes the mean offset).
  const zOffset = turned.map((s) => {
    let sum = 0;
    for (let j = 0; j < frontal.length; j++) sum += s.truth[j * 3 + 2] - s.positionMap[frontal[j] * 3 + 2];
    return sum / frontal.length;
  });
  const pixels = new Uint32Array(start.length);
  for (let k = 0; k < start.length; k++) {
    const km = landmarkMirror[k];
    const cost = (p: number) => {
      let sum = 0;
      for (let i = 0; i < turned.length; i++) {
        const s = turned[i];
        const [q, j] = s.yaw! > 0 ? [p, k] : [mirror[p], km];
        const [w, f, pm] = [blend[i], frontal[j] * 3, s.positionMap];
        const dx = (1 - w) * pm[f] + w * pm[q * 3] - s.truth[j * 3];
        const dy = (1 - w) * pm[f + 1] + w * pm[q * 3 + 1] - s.truth[j * 3 + 1];
        const dz = (1 - w) * pm[f + 2] + w * pm[q * 3 + 2] + zOffset[i] - s.truth[j * 3 + 2];
        const error = (1 - depthWeight) * Math.hypot(dx, dy) + depthWeight * Math.hypot(dx, dy, dz);
        sum += (weights[i] * error) / s.norm;
      }
      return sum;
    };
    const best = cheapestPixelNear(start[k], radius, resolution, (p) => mask[p] > 0 && mirror[p] >= 0, cost);
    if (best < 0) throw new InvalidArgumentError(`landmark ${k}: no masked pixel with a mirror within ${radius} pixels`);
    pixels[k] = best;
  }
  return { pixels, mirroredPixels: mirrorLandmarkPixels(pixels, mirror, landmarkMirror), blendYawDegrees };
}

/** NME 2D (%) of one sample with frontal pixels blended into a profile set by the sample's yaw (as core does). */
export function blendedSampleNme(sample: CalibrationSample, frontal: Uint32Array, profile: ProfileLandmarks): number {
  const points = blendLandmarkPixels(sample.positionMap, frontal, profile, sample.yaw ?? 0);
  let sum = 0;
  for (let k = 0; k < frontal.length; k++) {
    sum += Math.hypot(points[k * 3] - sample.truth[k * 3], points[k * 3 + 1] - sample.truth[k * 3 + 1]);
  }
  return (100 * sum) / frontal.length / sample.norm;
}

/**
 * Two-fold cross-validation (even / odd indices) of the frontal calibration followed by the
 * profile set: each sample scored with both sets fitted on the other fold.
 */
export function crossValidateProfileCalibration(
  samples: readonly CalibrationSample[],
  start: Uint32Array,
  mask: Uint8Array,
  resolution: number,
  options: ProfileCalibrationOptions,
): number[] {
  const folds = [0, 1].map((f) => samples.filter((_, i) => i % 2 === f));
  const fitted = folds.map((fold) => {
    const frontal = calibrateLandmarkPixels(fold, start, mask, resolution, options.radius);
    return { frontal, profile: calibrateProfileLandmarkPixels(fold, start, frontal, mask, resolution, options) };
  });
  return samples.map((s, i) => {
    const { frontal, profile } = fitted[1 - (i % 2)];
    return blendedSampleNme(s, frontal, profile);
  });
}

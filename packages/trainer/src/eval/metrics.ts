/**
 * Evaluation metrics of the AFLW2000-3D protocol (3DDFA / PRNet), pure functions over plain data.
 *
 * NME — normalised mean error of the 68 landmarks: the mean point-to-point error divided by
 * sqrt(w · h) of the tight box of the 68 ground-truth points (x, y), reported in PERCENT.
 *   - 2D: error of (x, y) only (the benchmark's headline number).
 *   - 3D: error of (x, y, z) after removing the mean z offset between prediction and ground truth
 *     (depth has an arbitrary zero in the image frame), same normaliser.
 * Reported per |yaw| bin [0,30], (30,60], >60 and as the mean of the three bin means.
 *
 * Head-pose MAE — mean absolute pitch / yaw / roll error in degrees over the samples whose ground
 * truth angles all lie within ±99° (the protocol of 3DDFA-V2 / SynergyNet).
 */
import type { Box } from '@prnet/core/geometry';
import { InvalidArgumentError } from '@prnet/core';
import type { LandmarkRegion, NmeBreakdown } from './error-breakdown.js';

export type YawBin = '[0,30]' | '(30,60]' | '>60';

/** The three |yaw| bins of the protocol, in report order. */
export const YAW_BINS: readonly YawBin[] = ['[0,30]', '(30,60]', '>60'];

/** Ground-truth angles beyond this (degrees) exclude a sample from the head-pose MAE. */
export const POSE_ANGLE_LIMIT_DEGREES = 99;

/** Thresholds (NME, percent) of the default cumulative error distribution: 0, 0.5, …, 10. */
export const DEFAULT_CED_THRESHOLDS: readonly number[] = Array.from({ length: 21 }, (_, i) => i * 0.5);

/** NME of one face, in percent of sqrt(box width × box height). */
export interface Nme {
  /** Mean 2D (x, y) point error / sqrt(w·h) × 100. */
  nme2d: number;
  /** Mean 3D point error after removing the mean z offset / sqrt(w·h) × 100. */
  nme3d: number;
}

/**
 * Per-sample weights under which each yaw bin present counts equally (like the protocol's "mean of
 * bins"); they sum to 1.
 */
export function binWeights(bins: readonly YawBin[]): Float64Array {
  const counts = new Map<YawBin, number>();
  for (const b of bins) counts.set(b, (counts.get(b) ?? 0) + 1);
  return Float64Array.from(bins, (b) => 1 / (counts.size * counts.get(b)!));
}

/** The protocol's bin of a |yaw| (degrees; the sign is ignored): [0,30], (30,60] or >60. */
export function yawBin(yawDegrees: number): YawBin {
  const y = Math.abs(yawDegrees);
  return y <= 30 ? '[0,30]' : y <= 60 ? '(30,60]' : '>60';
}

/**
 * sqrt(w · h) of the normalising box, after checking that `pred` and `gt` hold 68×3 values and
 * the box has an area; `what` names the caller in the errors (`InvalidArgumentError`).
 */
export function checkedNorm(what: string, pred: ArrayLike<number>, gt: ArrayLike<number>, box: Box): number {
  if (pred.length !== 68 * 3 || gt.length !== 68 * 3) {
    throw new InvalidArgumentError(`${what} needs 68×3 values each, got ${pred.length} and ${gt.length}`);
  }
  const norm = Math.sqrt((box[2] - box[0]) * (box[3] - box[1]));
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new InvalidArgumentError(`${what}: the normalising box [${box.join(', ')}] has no area`);
  }
  return norm;
}

/**
 * NME of 68 predicted landmarks against the ground truth.
 * @param pred [68*3] predicted x, y, z (image pixels).
 * @param gt [68*3] ground-truth x, y, z (image pixels).
 * @param box the normalising box [x0, y0, x1, y1]; the protocol's is the tight box of `gt`'s x, y
 *   (`boxOfPoints(gt)`).
 */
export function nme68(pred: ArrayLike<number>, gt: ArrayLike<number>, box: Box): Nme {
  const norm = checkedNorm('nme68', pred, gt, box);
  let dzMean = 0;
  for (let i = 0; i < 68; i++) dzMean += pred[3 * i + 2] - gt[3 * i + 2];
  dzMean /= 68;
  let sum2d = 0;
  let sum3d = 0;
  for (let i = 0; i < 68; i++) {
    const dx = pred[3 * i] - gt[3 * i];
    const dy = pred[3 * i + 1] - gt[3 * i + 1];
    const dz = pred[3 * i + 2] - gt[3 * i + 2] - dzMean;
    sum2d += Math.hypot(dx, dy);
    sum3d += Math.hypot(dx, dy, dz);
  }
  return { nme2d: (100 * sum2d) / 68 / norm, nme3d: (100 * sum3d) / 68 / norm };
}

/** Pitch, yaw, roll in degrees. */
export type Angles = readonly [pitch: number, yaw: number, roll: number];

/** What `summarise` needs of one evaluated sample. */
export interface SampleOutcome {
  /** The sample's |yaw| bin (from the ground truth). */
  yawBin: YawBin;
  /** False when the detector found no face (no-box protocol); such samples have no NME. */
  detected: boolean;
  /** NME 2D in percent, when detected. */
  nme2d?: number;
  /** NME 3D in percent, when detected. */
  nme3d?: number;
  /** Ground-truth pitch, yaw, roll (degrees). */
  gtAngles: Angles;
  /** Predicted pitch, yaw, roll (degrees), when detected. */
  predAngles?: Angles;
  /** Inference time of the face in milliseconds, when detected. */
  ms?: number;
  /** Where the face's NME 2D lies (`nmeBreakdown`), when detected. */
  breakdown?: NmeBreakdown;
}

export interface NmeStats {
  /** Samples in the group. */
  count: number;
  /** Samples with a reconstruction (= count with ground-truth boxes). */
  detected: number;
  /** Mean NME 2D (percent) over the detected samples; NaN when none. */
  nme2d: number;
  /** Mean NME 3D (percent) over the detected samples; NaN when none. */
  nme3d: number;
}

export interface EvalSummary {
  /** Samples evaluated / with a reconstruction; detectionRate = detected / count (1 with GT boxes). */
  count: number;
  detected: number;
  detectionRate: number;
  /** Per |yaw| bin. */
  bins: Record<YawBin, NmeStats>;
  /**
   * The headline number: the mean of the bin means, over the bins that have detected samples
   * (`binsUsed`, 3 on the full dev/test split; fewer only for small subsets).
   */
  mean: { nme2d: number; nme3d: number; binsUsed: number };
  /** Mean over all detected samples (not bin-balanced). */
  overall: NmeStats;
  /**
   * Head-pose mean absolute error (degrees) over the detected samples whose ground-truth angles all
   * lie within ±99°; `mean` is the mean of the three. Angle differences wrap to [−180, 180].
   */
  pose: { count: number; pitch: number; yaw: number; roll: number; mean: number };
  /**
   * Cumulative error distribution: the fraction of ALL samples (undetected count as failures) whose
   * NME (percent) is ≤ each threshold.
   */
  ced: { thresholds: number[]; nme2d: number[]; nme3d: number[] };
  /** Inference time per face (ms) over the detected samples: median, mean, 90th percentile. */
  ms: { median: number; mean: number; p90: number };
  /**
   * The mean `nmeBreakdown` per bin and as the mean of the bins used for `mean`, over the detected
   * samples that carry one; absent when none does.
   */
  breakdown?: { bins: Record<YawBin, NmeBreakdown>; mean: NmeBreakdown };
}

/** Linear-interpolated quantile q ∈ [0, 1]; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** |a − b| in degrees, wrapped to [0, 180]. */
export function angleError(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

function nmeStats(samples: readonly SampleOutcome[]): NmeStats {
  const found = samples.filter((s) => s.detected && s.nme2d !== undefined && s.nme3d !== undefined);
  return {
    count: samples.length,
    detected: samples.filter((s) => s.detected).length,
    nme2d: mean(found.map((s) => s.nme2d!)),
    nme3d: mean(found.map((s) => s.nme3d!)),
  };
}

function meanBreakdown(breakdowns: readonly NmeBreakdown[], names: readonly LandmarkRegion[]): NmeBreakdown {
  const regions = {} as Record<LandmarkRegion, number>;
  for (const name of names) regions[name] = mean(breakdowns.map((b) => b.regions[name]));
  return {
    regions,
    translated: mean(breakdowns.map((b) => b.translated)),
    similarity: mean(breakdowns.map((b) => b.similarity)),
  };
}

function summariseBreakdown(samples: readonly SampleOutcome[], used: readonly YawBin[]): EvalSummary['breakdown'] {
  const withBreakdown = samples.filter((s) => s.detected && s.breakdown);
  if (withBreakdown.length === 0) return undefined;
  // The region names are taken from the breakdowns: a type-only import keeps error-breakdown.ts
  // (which uses checkedNorm from here) from being imported back at run time.
  const names = Object.keys(withBreakdown[0].breakdown!.regions) as LandmarkRegion[];
  const bins = {} as Record<YawBin, NmeBreakdown>;
  for (const bin of YAW_BINS) {
    bins[bin] = meanBreakdown(withBreakdown.filter((s) => s.yawBin === bin).map((s) => s.breakdown!), names);
  }
  return { bins, mean: meanBreakdown(used.map((bin) => bins[bin]), names) };
}

/** Summarises per-sample outcomes into the protocol's numbers (see `EvalSummary`). */
export function summarise(
  samples: readonly SampleOutcome[],
  options: { cedThresholds?: readonly number[] } = {},
): EvalSummary {
  const bins = {} as Record<YawBin, NmeStats>;
  for (const bin of YAW_BINS) bins[bin] = nmeStats(samples.filter((s) => s.yawBin === bin));
  const used = YAW_BINS.filter((bin) => Number.isFinite(bins[bin].nme2d));
  const overall = nmeStats(samples);

  const posed = samples.filter(
    (s) => s.detected && s.predAngles && s.gtAngles.every((a) => Math.abs(a) <= POSE_ANGLE_LIMIT_DEGREES),
  );
  const angleMae = (k: 0 | 1 | 2) => mean(posed.map((s) => angleError(s.predAngles![k], s.gtAngles[k])));
  const [pitch, yaw, roll] = [angleMae(0), angleMae(1), angleMae(2)];

  const thresholds = [...(options.cedThresholds ?? DEFAULT_CED_THRESHOLDS)];
  const ced = (key: 'nme2d' | 'nme3d') =>
    thresholds.map((t) =>
      samples.length === 0 ? Number.NaN : samples.filter((s) => s.detected && s[key]! <= t).length / samples.length,
    );

  const ms = samples.filter((s) => s.detected && s.ms !== undefined).map((s) => s.ms!);
  return {
    count: samples.length,
    detected: overall.detected,
    detectionRate: samples.length === 0 ? Number.NaN : overall.detected / samples.length,
    bins,
    mean: {
      nme2d: mean(used.map((bin) => bins[bin].nme2d)),
      nme3d: mean(used.map((bin) => bins[bin].nme3d)),
      binsUsed: used.length,
    },
    overall,
    pose: { count: posed.length, pitch, yaw, roll, mean: mean([pitch, yaw, roll]) },
    ced: { thresholds, nme2d: ced('nme2d'), nme3d: ced('nme3d') },
    ms: { median: quantile(ms, 0.5), mean: mean(ms), p90: quantile(ms, 0.9) },
    breakdown: summariseBreakdown(samples, used),
  };
}

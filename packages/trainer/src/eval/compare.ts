/**
 * Paired comparison of two evaluations of the same images (`prnet-train eval --json` reports):
 * the difference B − A of the protocol's mean-of-bins NME and of each |yaw| bin, with a bootstrap
 * confidence interval over the images, the share of images B reads better, and the head-pose MAE
 * difference. Pure functions over plain data; `compare-command.ts` is the CLI.
 *
 * The bootstrap is stratified by |yaw| bin: each resample draws, with replacement, as many images
 * from every bin as the bin holds, so the resampled statistic is the same mean of three bin means
 * as the headline number (a plain resample over all images would let the small profile bins
 * change size and weight). The interval is the percentile interval of the resampled differences.
 * Both models are scored on the same resampled images, so the interval is of the paired difference
 * — far narrower than comparing two unpaired intervals.
 */
import { InvalidArgumentError } from '@prnet/core';
import { createRng } from '../render/procedural.js';
import { angleError, POSE_ANGLE_LIMIT_DEGREES, quantile, YAW_BINS, type YawBin } from './metrics.js';

/** What the comparison reads of one sample of an eval report (`reportJson`'s `samples`). */
export interface ReportSample {
  image: string;
  yawBin: YawBin;
  detected: boolean;
  nme2d?: number | null;
  nme3d?: number | null;
  gtAngles: readonly number[];
  predAngles?: readonly number[] | null;
}

/** What the comparison reads of an eval report. */
export interface EvalReport {
  /** The model line of the report (for the printout). */
  model?: string;
  /** 'gt-box' | 'detector' | 'given-boxes'. */
  protocol: string;
  samples: ReportSample[];
}

export type ComparedMetric = 'nme2d' | 'nme3d';

export interface PairedComparisonOptions {
  /** Which NME to compare (default 'nme2d', the headline). */
  metric?: ComparedMetric;
  /** Bootstrap resamples (default 10,000). */
  resamples?: number;
  /** Seed of the resampling (default 1): the same seed gives the same interval. */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
}

/** A or B's value, the difference B − A and its bootstrap interval. */
export interface PairedDifference {
  /** Images (or, for pose, images with a pose reading) that enter the statistic. */
  count: number;
  a: number;
  b: number;
  /** b − a: negative means B is better (lower error). */
  diff: number;
  /** Percentile bootstrap interval of `diff`. */
  interval: [number, number];
}

export interface PairedComparison {
  metric: ComparedMetric;
  protocol: string;
  /** Images in both reports. */
  images: number;
  /** Images both models read (with ground-truth boxes: all). */
  paired: number;
  /** Images only A / only B read (detector protocols); they are left out of the NME differences. */
  detectedOnlyA: number;
  detectedOnlyB: number;
  /** Per |yaw| bin (count 0 and NaN values where the bin has no paired image). */
  bins: Record<YawBin, PairedDifference>;
  /** The protocol's headline: the mean of the bin means over `binsUsed` bins. */
  mean: PairedDifference & { binsUsed: number };
  /** Fraction of paired images where B's error is lower / equal / higher than A's. */
  better: number;
  tied: number;
  worse: number;
  /**
   * Fraction of resamples in which B's mean is not lower than A's (a one-sided bootstrap p-value
   * for "B is better"; small means the gain is unlikely to be chance of the images).
   */
  resampledNotBetter: number;
  /**
   * Head-pose MAE (degrees, mean of pitch, yaw, roll errors) over the paired images whose
   * ground-truth angles all lie within ±99°, as `summarise` counts them.
   */
  pose: PairedDifference;
  resamples: number;
  seed: number;
  confidence: number;
}

function fail(message: string): never {
  throw new InvalidArgumentError(`compare: ${message}`);
}

const isYawBin = (v: unknown): v is YawBin => typeof v === 'string' && (YAW_BINS as readonly string[]).includes(v);
const isNumberArray = (v: unknown, n: number): v is number[] =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * Checks that `json` (a parsed `prnet-train eval --json` file) has what the comparison needs and
 * returns it typed; `name` names the file in the errors (`InvalidArgumentError`).
 */
export function parseEvalReport(json: unknown, name: string): EvalReport {
  const doc = json as { model?: unknown; protocol?: unknown; samples?: unknown } | null;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.samples) || typeof doc.protocol !== 'string') {
    fail(`${name} is not a \`prnet-train eval --json\` report (no "protocol" and "samples")`);
  }
  const seen = new Set<string>();
  const samples = doc.samples.map((raw: unknown, i: number): ReportSample => {
    const s = raw as Record<string, unknown> | null;
    const where = `${name}: sample ${i}`;
    if (!s || typeof s !== 'object' || typeof s.image !== 'string') fail(`${where} has no "image"`);
    if (seen.has(s.image)) fail(`${name} lists ${s.image} twice`);
    seen.add(s.image);
    if (!isYawBin(s.yawBin)) fail(`${where} (${s.image}) has no valid "yawBin"`);
    if (typeof s.detected !== 'boolean') fail(`${where} (${s.image}) has no "detected"`);
    if (!isNumberArray(s.gtAngles, 3)) fail(`${where} (${s.image}) has no "gtAngles" [pitch, yaw, roll]`);
    if (s.detected) {
      for (const key of ['nme2d', 'nme3d'] as const) {
        const v = s[key];
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${where} (${s.image}) is detected but has no finite "${key}"`);
      }
    }
    return {
      image: s.image,
      yawBin: s.yawBin,
      detected: s.detected,
      nme2d: s.nme2d as number | undefined,
      nme3d: s.nme3d as number | undefined,
      gtAngles: s.gtAngles,
      predAngles: isNumberArray(s.predAngles, 3) ? s.predAngles : undefined,
    };
  });
  return { model: typeof doc.model === 'string' ? doc.model : undefined, protocol: doc.protocol, samples };
}

const meanOf = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((x, y) => x + y, 0) / values.length;

/** Mean absolute pitch / yaw / roll error of one reading, degrees. */
function poseError(gt: readonly number[], pred: readonly number[]): number {
  return (angleError(pred[0], gt[0]) + angleError(pred[1], gt[1]) + angleError(pred[2], gt[2])) / 3;
}

/**
 * Compares B against A image by image (see the module comment). Both reports must cover the same
 * images with the same protocol and bins; throws `InvalidArgumentError` otherwise, or when no image
 * is read by both.
 */
export function comparePaired(a: EvalReport, b: EvalReport, options: PairedComparisonOptions = {}): PairedComparison {
  const metric = options.metric ?? 'nme2d';
  const resamples = options.resamples ?? 10_000;
  const seed = options.seed ?? 1;
  const confidence = options.confidence ?? 0.95;
  if (metric !== 'nme2d' && metric !== 'nme3d') fail(`metric must be nme2d or nme3d, got "${String(metric)}"`);
  if (!(Number.isInteger(resamples) && resamples >= 100)) fail(`resamples must be an integer ≥ 100, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) fail(`confidence must lie in (0, 1), got ${confidence}`);
  if (a.protocol !== b.protocol) fail(`the reports use different protocols (A ${a.protocol}, B ${b.protocol})`);
  const byImage = new Map(b.samples.map((s) => [s.image, s]));
  const onlyA = a.samples.filter((s) => !byImage.has(s.image));
  const inA = new Set(a.samples.map((s) => s.image));
  const onlyB = b.samples.filter((s) => !inA.has(s.image));
  if (onlyA.length || onlyB.length) {
    const example = (onlyA[0] ?? onlyB[0]).image;
    fail(
      `the reports cover different images (${onlyA.length} only in A, ${onlyB.length} only in B, e.g. ${example}); ` +
        'evaluate both on the same folder and --limit',
    );
  }

  // Paired images, grouped by bin; per image A's and B's error and pose error (NaN: no pose).
  const groups = new Map<YawBin, { ea: number[]; eb: number[]; pa: number[]; pb: number[] }>();
  let detectedOnlyA = 0;
  let detectedOnlyB = 0;
  for (const sa of a.samples) {
    const sb = byImage.get(sa.image)!;
    if (sa.yawBin !== sb.yawBin) fail(`${sa.image} is in bin ${sa.yawBin} in A but ${sb.yawBin} in B (different annotations?)`);
    if (!sa.detected || !sb.detected) {
      if (sa.detected) detectedOnlyA++;
      if (sb.detected) detectedOnlyB++;
      continue;
    }
    const g = groups.get(sa.yawBin) ?? { ea: [], eb: [], pa: [], pb: [] };
    groups.set(sa.yawBin, g);
    g.ea.push(sa[metric] as number);
    g.eb.push(sb[metric] as number);
    const poseOk =
      sa.gtAngles.every((v) => Math.abs(v) <= POSE_ANGLE_LIMIT_DEGREES) && sa.predAngles && sb.predAngles;
    g.pa.push(poseOk ? poseError(sa.gtAngles, sa.predAngles!) : Number.NaN);
    g.pb.push(poseOk ? poseError(sa.gtAngles, sb.predAngles!) : Number.NaN);
  }
  const used = YAW_BINS.filter((bin) => (groups.get(bin)?.ea.length ?? 0) > 0);
  if (used.length === 0) fail('no image is read by both models');

  // The statistics of one (re)sample: per bin mean error of A and B, and pose sums.
  const statistics = (pick: (bin: YawBin, n: number) => (i: number) => number) => {
    const binA = new Map<YawBin, number>();
    const binB = new Map<YawBin, number>();
    let poseA = 0;
    let poseB = 0;
    let poseN = 0;
    for (const bin of used) {
      const g = groups.get(bin)!;
      const n = g.ea.length;
      const index = pick(bin, n);
      let sa = 0;
      let sb = 0;
      for (let k = 0; k < n; k++) {
        const i = index(k);
        sa += g.ea[i];
        sb += g.eb[i];
        if (!Number.isNaN(g.pa[i])) {
          poseA += g.pa[i];
          poseB += g.pb[i];
          poseN++;
        }
      }
      binA.set(bin, sa / n);
      binB.set(bin, sb / n);
    }
    const meanA = meanOf(used.map((bin) => binA.get(bin)!));
    const meanB = meanOf(used.map((bin) => binB.get(bin)!));
    return { binA, binB, meanA, meanB, poseA: poseA / poseN, poseB: poseB / poseN };
  };

  const observed = statistics(() => (k) => k);
  const rng = createRng(seed);
  const draws = { mean: [] as number[], pose: [] as number[], bins: new Map(used.map((bin) => [bin, [] as number[]])) };
  let notBetter = 0;
  for (let r = 0; r < resamples; r++) {
    const s = statistics((_, n) => () => Math.floor(rng() * n));
    const d = s.meanB - s.meanA;
    draws.mean.push(d);
    if (d >= 0) notBetter++;
    draws.pose.push(s.poseB - s.poseA);
    for (const bin of used) draws.bins.get(bin)!.push(s.binB.get(bin)! - s.binA.get(bin)!);
  }
  const tail = (1 - confidence) / 2;
  const interval = (values: number[]): [number, number] =>
    values.some(Number.isNaN) ? [Number.NaN, Number.NaN] : [quantile(values, tail), quantile(values, 1 - tail)];

  const bins = {} as Record<YawBin, PairedDifference>;
  for (const bin of YAW_BINS) {
    const g = groups.get(bin);
    bins[bin] = g
      ? {
          count: g.ea.length,
          a: observed.binA.get(bin)!,
          b: observed.binB.get(bin)!,
          diff: observed.binB.get(bin)! - observed.binA.get(bin)!,
          interval: interval(draws.bins.get(bin)!),
        }
      : { count: 0, a: Number.NaN, b: Number.NaN, diff: Number.NaN, interval: [Number.NaN, Number.NaN] };
  }
  let better = 0;
  let tied = 0;
  let paired = 0;
  let poseCount = 0;
  for (const g of groups.values()) {
    paired += g.ea.length;
    g.ea.forEach((ea, i) => {
      if (g.eb[i] < ea) better++;
      else if (g.eb[i] === ea) tied++;
      if (!Number.isNaN(g.pa[i])) poseCount++;
    });
  }
  return {
    metric,
    protocol: a.protocol,
    images: a.samples.length,
    paired,
    detectedOnlyA,
    detectedOnlyB,
    bins,
    mean: {
      count: paired,
      binsUsed: used.length,
      a: observed.meanA,
      b: observed.meanB,
      diff: observed.meanB - observed.meanA,
      interval: interval(draws.mean),
    },
    better: better / paired,
    tied: tied / paired,
    worse: (paired - better - tied) / paired,
    resampledNotBetter: notBetter / resamples,
    pose: {
      count: poseCount,
      a: observed.poseA,
      b: observed.poseB,
      diff: observed.poseB - observed.poseA,
      interval: poseCount ? interval(draws.pose) : [Number.NaN, Number.NaN],
    },
    resamples,
    seed,
    confidence,
  };
}

const fmt = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const signed = (v: number, digits = 2): string => (Number.isFinite(v) ? `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}` : 'n/a');

/** The comparison as a text table (NME in percent, pose in degrees). */
export function formatComparison(c: PairedComparison, labels: { a?: string; b?: string } = {}): string {
  const pct = Math.round(c.confidence * 100);
  const lines: string[] = [];
  if (labels.a) lines.push(`A: ${labels.a}`);
  if (labels.b) lines.push(`B: ${labels.b}`);
  lines.push(
    `protocol ${c.protocol}; ${c.metric === 'nme2d' ? 'NME 2D' : 'NME 3D'} %, paired over ${c.paired} of ${c.images} images` +
      (c.detectedOnlyA || c.detectedOnlyB ? ` (read only by A: ${c.detectedOnlyA}, only by B: ${c.detectedOnlyB})` : ''),
    '',
  );
  const header = `${'|yaw|'.padEnd(14)}${'n'.padStart(6)}${'A'.padStart(8)}${'B'.padStart(8)}${'B − A'.padStart(9)}   ${pct} % interval`;
  lines.push(header, '-'.repeat(header.length));
  const row = (label: string, d: PairedDifference, n = `${d.count}`) =>
    lines.push(
      `${label.padEnd(14)}${n.padStart(6)}${fmt(d.a).padStart(8)}${fmt(d.b).padStart(8)}${signed(d.diff).padStart(9)}   [${signed(d.interval[0])}, ${signed(d.interval[1])}]`,
    );
  for (const bin of YAW_BINS) row(bin, c.bins[bin]);
  lines.push('-'.repeat(header.length));
  row(c.mean.binsUsed === YAW_BINS.length ? 'mean of bins' : `mean (${c.mean.binsUsed}/3 bins)`, c.mean, '');
  row('pose MAE °', c.pose);
  lines.push(
    '',
    `B better on ${fmt(100 * c.better, 1)} % of the images, tied on ${fmt(100 * c.tied, 1)} %, worse on ${fmt(100 * c.worse, 1)} %`,
    `bootstrap: ${c.resamples} resamples within the |yaw| bins (seed ${c.seed}); B's mean of bins not lower in ${fmt(100 * c.resampledNotBetter, 1)} % of them`,
  );
  return `${lines.join('\n')}\n`;
}

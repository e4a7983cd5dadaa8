import type { PoseDegrees } from '../data/synthetic-face.js';
import { YAW_BINS, yawBin, type YawBin } from '../eval/metrics.js';

/** One photo's line in `shard-*.quality.json`. NME values are fractions of sqrt(w·h) of the annotated box. */
export interface QualityRecord {
  /** Index into annotations.json. */
  readonly aflwIndex: number;
  readonly image: string;
  /** The annotated yaw (degrees). */
  readonly yawDegrees: number;
  /** True for the split that calibrated the AFLW-21 vertices (left out of the held-out rows). */
  readonly calibration: boolean;
  /** NME of the final fit (annotations used when the run fitted them). */
  readonly nme: number | null;
  /** NME of the teacher-only fit (annotations unused). */
  readonly nmeTeacherOnly: number | null;
  readonly faceScore: number | null;
  readonly teacherRms: number | null;
  /** Annotated points in the NME. */
  readonly points: number;
  /** Fitted head pose. */
  readonly pose: PoseDegrees | null;
  /** Written to the dataset? */
  readonly kept: boolean;
  /** Position of its record in the shard (−1 when dropped). */
  readonly record: number;
  /** Why it was dropped. */
  reason?: string;
}

/** NME statistics of one group of photos (percent). */
export interface NmeRow {
  readonly photos: number;
  readonly kept: number;
  readonly dropped: number;
  /** Mean / median NME (%) of the final fit, all fitted photos of the group. */
  readonly nmeMean: number;
  readonly nmeMedian: number;
  /** Mean / median NME (%) of the teacher-only fit. */
  readonly teacherOnlyMean: number;
  readonly teacherOnlyMedian: number;
  /** Mean NME (%) of the final fit over the kept photos only. */
  readonly keptNmeMean: number;
}

export interface FitReport {
  readonly note: string;
  readonly maxNme: number;
  readonly minFaceScore: number;
  readonly useAnnotations: boolean;
  /** Held-out photos (not in the AFLW-21 calibration split), per |yaw| bin and the mean of the bins. */
  readonly heldOut: Record<YawBin | 'mean of bins', NmeRow>;
  /** All photos. */
  readonly all: Record<YawBin | 'mean of bins', NmeRow>;
  readonly photos: number;
  readonly kept: number;
  readonly dropped: number;
  /** Reasons for dropping, with counts. */
  readonly dropReasons: Record<string, number>;
  /** Speed of the run that wrote the report (absent when every shard was already there). */
  readonly run?: {
    readonly photos: number;
    readonly seconds: number;
    readonly photosPerSecond: number;
    readonly teacherCpuMsPerPhoto: number;
    readonly fitCpuMsPerPhoto: number;
    /** Photos per CPU second of one thread (teacher + fit + encode): samples/s per core. */
    readonly photosPerCpuSecond: number;
  };
}

function stats(values: number[]): { mean: number; median: number } {
  if (values.length === 0) return { mean: Number.NaN, median: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { mean: (100 * values.reduce((s, v) => s + v, 0)) / values.length, median: 100 * median };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

function row(records: readonly QualityRecord[]): NmeRow {
  const fitted = records.filter((r) => r.nme !== null && Number.isFinite(r.nme));
  const final = stats(fitted.map((r) => r.nme!));
  const teacher = stats(fitted.filter((r) => r.nmeTeacherOnly !== null).map((r) => r.nmeTeacherOnly!));
  const kept = records.filter((r) => r.kept);
  return {
    photos: records.length,
    kept: kept.length,
    dropped: records.length - kept.length,
    nmeMean: r2(final.mean),
    nmeMedian: r2(final.median),
    teacherOnlyMean: r2(teacher.mean),
    teacherOnlyMedian: r2(teacher.median),
    keptNmeMean: r2(stats(kept.map((r) => r.nme!)).mean),
  };
}

function table(records: readonly QualityRecord[]): Record<YawBin | 'mean of bins', NmeRow> {
  const out = {} as Record<YawBin | 'mean of bins', NmeRow>;
  for (const bin of YAW_BINS) out[bin] = row(records.filter((r) => yawBin(r.yawDegrees) === bin));
  const rows = YAW_BINS.map((b) => out[b]);
  const mean = (k: keyof NmeRow) => r2(rows.reduce((s, r) => s + r[k], 0) / rows.length);
  out['mean of bins'] = {
    photos: records.length,
    kept: records.filter((r) => r.kept).length,
    dropped: records.filter((r) => !r.kept).length,
    nmeMean: mean('nmeMean'),
    nmeMedian: mean('nmeMedian'),
    teacherOnlyMean: mean('teacherOnlyMean'),
    teacherOnlyMedian: mean('teacherOnlyMedian'),
    keptNmeMean: mean('keptNmeMean'),
  };
  return out;
}

/** Aggregates the quality records of a labelled dataset into `fit-report.json`. */
export function buildFitReport(
  records: readonly QualityRecord[],
  settings: { maxNme: number; minFaceScore: number; useAnnotations: boolean; run?: FitReport['run'] },
): FitReport {
  const dropReasons: Record<string, number> = {};
  for (const r of records) {
    if (r.kept) continue;
    const key = (r.reason ?? 'unknown').replace(/[\d.]+ %? ?>/, '>').replace(/score [\d.]+ </, 'score <');
    dropReasons[key] = (dropReasons[key] ?? 0) + 1;
  }
  return {
    note:
      'NME (%) = mean 2D distance of the fitted mesh\'s AFLW-21 points (ears excluded) from the human annotations / sqrt(w·h) of the annotated box. ' +
      '"nme" is the final fit (which used the annotations when useAnnotations), "teacherOnly" a fit to the teacher\'s points alone: the independent measure. ' +
      'Held-out excludes the AFLW-21 calibration split (index % 20 = 19).',
    maxNme: settings.maxNme,
    minFaceScore: settings.minFaceScore,
    useAnnotations: settings.useAnnotations,
    heldOut: table(records.filter((r) => !r.calibration)),
    all: table(records),
    photos: records.length,
    kept: records.filter((r) => r.kept).length,
    dropped: records.filter((r) => !r.kept).length,
    dropReasons,
    run: settings.run,
  };
}

/** The report as a Markdown table (held-out rows). */
export function formatFitReport(report: FitReport): string {
  const lines = [
    '| |yaw| | photos | kept | NME final mean / median (%) | NME teacher-only mean / median (%) | NME kept mean (%) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [bin, r] of Object.entries(report.heldOut)) {
    lines.push(`| ${bin} | ${r.photos} | ${r.kept} | ${r.nmeMean.toFixed(2)} / ${r.nmeMedian.toFixed(2)} | ${r.teacherOnlyMean.toFixed(2)} / ${r.teacherOnlyMedian.toFixed(2)} | ${r.keptNmeMean.toFixed(2)} |`);
  }
  return lines.join('\n');
}

/**
 * Evaluation reports: a plain-text table for the terminal and model cards, and a JSON document
 * (summary + per-sample numbers) for tools. NME values are percentages of sqrt(box w·h).
 */
import type { EvaluationResult } from './evaluate.js';
import { LANDMARK_REGION_NAMES, type NmeBreakdown } from './error-breakdown.js';
import { YAW_BINS } from './metrics.js';

/** What the report says about the model and the run (all optional). */
export interface ReportContext {
  /** e.g. "prnet-light 128px → 128² (UNTRAINED)". */
  model?: string;
  /** e.g. "aflw2000-dev (200 images)". */
  dataset?: string;
  /** tfjs backend name. */
  backend?: string;
}

const PROTOCOL_TEXT: Record<EvaluationResult['protocol'], string> = {
  'gt-box': 'crop from the tight box of the 68 ground-truth points',
  detector: 'face detector (no box given)',
  'given-boxes': 'crop from the given boxes (--boxes)',
};

const fmt = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** The text table: |yaw| bins × NME 2D / 3D, their mean, head-pose MAE, ms per face, detection rate. */
export function formatReport(result: EvaluationResult, context: ReportContext = {}): string {
  const { summary: s, protocol } = result;
  const lines: string[] = [];
  if (context.model) lines.push(`model:     ${context.model}`);
  if (context.dataset) lines.push(`data:      ${context.dataset}`);
  lines.push(
    `protocol:  ${PROTOCOL_TEXT[protocol]}; NME = mean error / sqrt(w·h) of the GT box, %`,
  );
  lines.push('');
  const header = `${'|yaw|'.padEnd(14)}${'n'.padStart(8)}${'NME 2D %'.padStart(10)}${'NME 3D %'.padStart(10)}`;
  lines.push(header, '-'.repeat(header.length));
  for (const bin of YAW_BINS) {
    const b = s.bins[bin];
    const n = protocol === 'gt-box' ? `${b.count}` : `${b.detected}/${b.count}`;
    lines.push(`${bin.padEnd(14)}${n.padStart(8)}${fmt(b.nme2d).padStart(10)}${fmt(b.nme3d).padStart(10)}`);
  }
  lines.push('-'.repeat(header.length));
  const meanLabel = s.mean.binsUsed === YAW_BINS.length ? 'mean of bins' : `mean (${s.mean.binsUsed}/3 bins)`;
  lines.push(`${meanLabel.padEnd(14)}${''.padStart(8)}${fmt(s.mean.nme2d).padStart(10)}${fmt(s.mean.nme3d).padStart(10)}`);
  const n = protocol === 'gt-box' ? `${s.count}` : `${s.detected}`;
  lines.push(`${'all samples'.padEnd(14)}${n.padStart(8)}${fmt(s.overall.nme2d).padStart(10)}${fmt(s.overall.nme3d).padStart(10)}`);
  lines.push('');
  lines.push(
    `head pose MAE (${s.pose.count} samples with |angles| ≤ 99°): pitch ${fmt(s.pose.pitch)}°, yaw ${fmt(s.pose.yaw)}°, roll ${fmt(s.pose.roll)}°, mean ${fmt(s.pose.mean)}°`,
  );
  lines.push(
    `time per face${context.backend ? ` (${context.backend})` : ''}: median ${fmt(s.ms.median, 1)} ms, mean ${fmt(s.ms.mean, 1)} ms, p90 ${fmt(s.ms.p90, 1)} ms`,
  );
  lines.push(
    protocol === 'gt-box'
      ? 'detection rate: n/a (ground-truth boxes)'
      : `${protocol === 'detector' ? 'detection rate' : 'boxes given'}: ${s.detected}/${s.count} = ${fmt(100 * s.detectionRate, 1)}% (undetected faces have no NME; they count as failures in the CED)`,
  );
  const at = (t: number) => s.ced.thresholds.indexOf(t);
  const ced = [2, 3, 5, 10].filter((t) => at(t) >= 0).map((t) => `≤${t}%: ${fmt(100 * s.ced.nme2d[at(t)], 1)}%`);
  if (ced.length) lines.push(`CED (NME 2D): ${ced.join(', ')}`);
  if (s.breakdown) {
    const { bins, mean } = s.breakdown;
    const head = `${'error breakdown, NME 2D %'.padEnd(34)}${'mean'.padStart(8)}${YAW_BINS.map((b) => b.padStart(9)).join('')}`;
    lines.push('', head, '-'.repeat(head.length));
    const row = (label: string, pick: (b: NmeBreakdown) => number) =>
      lines.push(`${label.padEnd(34)}${fmt(pick(mean)).padStart(8)}${YAW_BINS.map((bin) => fmt(pick(bins[bin])).padStart(9)).join('')}`);
    for (const r of LANDMARK_REGION_NAMES) row(`${r} points`, (b) => b.regions[r]);
    row('all, best translation removed', (b) => b.translated);
    row('all, best similarity removed', (b) => b.similarity);
    lines.push('(best = least squares onto the ground truth; what is left after the similarity is the shape error)');
  }
  return `${lines.join('\n')}\n`;
}

const round = (v: number, digits = 4): number | null => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);

/**
 * The JSON report: context, units, the summary, and per sample image, bin, NME, angles, ms, boxes
 * and (with `includeLandmarks`) the predicted 68 points. Non-finite numbers become null.
 */
export function reportJson(
  result: EvaluationResult,
  context: ReportContext = {},
  options: { includeLandmarks?: boolean } = {},
): Record<string, unknown> {
  const includeLandmarks = options.includeLandmarks ?? false;
  return {
    ...context,
    protocol: result.protocol,
    units: { nme: 'percent of sqrt(w*h) of the tight box of the 68 ground-truth points', angles: 'degrees', ms: 'milliseconds' },
    summary: JSON.parse(JSON.stringify(result.summary, (_, v) => (typeof v === 'number' ? round(v, 6) : v))),
    samples: result.samples.map((s) => ({
      image: s.image,
      yawBin: s.yawBin,
      yawDegrees: round(s.yawDegrees, 3),
      detected: s.detected,
      nme2d: s.nme2d === undefined ? undefined : round(s.nme2d),
      nme3d: s.nme3d === undefined ? undefined : round(s.nme3d),
      gtAngles: s.gtAngles.map((a) => round(a, 3)),
      predAngles: s.predAngles?.map((a) => round(a, 3)),
      ms: s.ms === undefined ? undefined : round(s.ms, 2),
      gtBox: s.gtBox.map((v) => round(v, 3)),
      box: s.box?.map((v) => round(v, 3)),
      breakdown: s.breakdown
        ? {
            regions: Object.fromEntries(LANDMARK_REGION_NAMES.map((r) => [r, round(s.breakdown!.regions[r])])),
            translated: round(s.breakdown.translated),
            similarity: round(s.breakdown.similarity),
          }
        : undefined,
      landmarks68: includeLandmarks && s.landmarks68 ? Array.from(s.landmarks68, (v) => round(v, 3)) : undefined,
    })),
  };
}

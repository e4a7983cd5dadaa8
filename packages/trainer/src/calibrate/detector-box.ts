/**
 * Calibrates `faceBoxFromDetection`: how the BlazeFace box maps to the tight box of the 68
 * landmarks that PRNet's crop is built for. Runs the default detector over the AFLW2000-3D dev
 * split (200 images, the split reserved for validation and calibration), matches each image's
 * detection to its ground-truth box, and reports
 *   - the detection rate by |yaw| bin ([0,30], (30,60], >60),
 *   - median and IQR of the residuals (centre shift and scale, fractions of the detector box),
 *   - IoU and centre error of the calibrated box against the ground truth,
 * for two calibrations: the per-component medians (a constant shift and scale), and the keypoint
 * calibration — the same plus linear terms over BlazeFace's keypoints (`detectorKeypointFeatures`),
 * fitted by least absolute deviations with the three yaw bins weighted equally, and scored
 * two-fold cross-validated (even / odd images). The keypoint calibration fitted on all images is
 * the constant to hard-code as `BLAZEFACE_BOX_CALIBRATION` in core; `--boxes-out FILE` writes the
 * cross-validated boxes for `prnet-train eval --boxes FILE` (the NME the calibration gives on
 * images it did not see).
 *
 * Usage (after building core: `npm run build -w @prnet/core`):
 *   npx tsx packages/trainer/src/calibrate/detector-box.ts [--data DIR] [--score 0.5] [--json OUT] [--boxes-out FILE]
 */
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  boxOfPoints,
  DETECTOR_KEYPOINT_FEATURES,
  detectorKeypointFeatures,
  faceBoxFromDetection,
  imageToTensor,
  type Box,
  type DetectedFace,
  type DetectionBox,
  type DetectorBoxCalibration,
  type FaceDetector,
} from '@prnet/core';
import { decodeImage, loadDefaultDetector } from '@prnet/core/node';
import { findSharedDataDir } from '../ict/ict-model.js';
import { solveSpd } from '../label/fit-mesh.js';
import { binWeights, quantile, yawBin as yawBinOf, YAW_BINS, type YawBin } from '../eval/metrics.js';

interface Aflw2000Sample {
  image: string;
  landmarks68: [number, number, number][];
  yawBinDegrees: number;
}

export { yawBin as yawBinOf, YAW_BINS, type YawBin } from '../eval/metrics.js';

/** The residual of one matched detection: the GT box relative to the detector box. */
export interface BoxResidual {
  /** (gtCentreX − detCentreX) / detWidth. */
  centreX: number;
  /** (gtCentreY − detCentreY) / detHeight. */
  centreY: number;
  /** gtWidth / detWidth. */
  scaleX: number;
  /** gtHeight / detHeight. */
  scaleY: number;
}

export function boxIou(a: Box, b: Box): number {
  const ix = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const iy = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

export function boxResidual(detector: Box, truth: Box): BoxResidual {
  const dw = detector[2] - detector[0];
  const dh = detector[3] - detector[1];
  return {
    centreX: ((truth[0] + truth[2]) / 2 - (detector[0] + detector[2]) / 2) / dw,
    centreY: ((truth[1] + truth[3]) / 2 - (detector[1] + detector[3]) / 2) / dh,
    scaleX: (truth[2] - truth[0]) / dw,
    scaleY: (truth[3] - truth[1]) / dh,
  };
}

/** The calibration = per-component medians of the residuals. */
export function calibrationFromResiduals(residuals: readonly BoxResidual[]): DetectorBoxCalibration {
  const med = (k: keyof BoxResidual): number => quantile(residuals.map((r) => r[k]), 0.5);
  return { centreX: med('centreX'), centreY: med('centreY'), scaleX: med('scaleX'), scaleY: med('scaleY') };
}

/** The detection that overlaps the truth most, if it overlaps by IoU ≥ minIou. */
export function matchDetection(faces: readonly DetectedFace[], truth: Box, minIou = 0.3): DetectedFace | undefined {
  let best: DetectedFace | undefined;
  let bestIou = minIou;
  for (const face of faces) {
    const iou = boxIou(face.box, truth);
    if (iou >= bestIou) {
      best = face;
      bestIou = iou;
    }
  }
  return best;
}

/** One matched detection for the keypoint calibration. */
export interface DetectionSample {
  readonly face: DetectionBox;
  /** The ground-truth 68-landmark box. */
  readonly truth: Box;
  readonly bin: YawBin;
}

/**
 * Weighted least absolute deviations min_β Σ wᵢ |yᵢ − xᵢ·β| + ridge · Σ_{j≥1} β_j² by iteratively
 * reweighted least squares (column 0 is the intercept, not penalised). Rows of `x` have `p` values.
 */
export function fitLeastAbsolute(
  x: readonly Float64Array[],
  y: readonly number[],
  weights: readonly number[],
  ridge = 1e-4,
  iterations = 40,
): Float64Array {
  const p = x[0]?.length ?? 0;
  if (p === 0 || x.length !== y.length || x.length !== weights.length) {
    throw new Error('fitLeastAbsolute: x, y and weights need the same, non-zero length');
  }
  let beta: Float64Array = new Float64Array(p);
  let irls = Float64Array.from(weights);
  for (let it = 0; it <= iterations; it++) {
    const H = new Float64Array(p * p);
    const g = new Float64Array(p);
    let total = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      const wi = irls[i];
      total += wi;
      for (let a = 0; a < p; a++) {
        g[a] += wi * xi[a] * y[i];
        for (let b = 0; b < p; b++) H[a * p + b] += wi * xi[a] * xi[b];
      }
    }
    for (let j = 1; j < p; j++) H[j * p + j] += ridge * total;
    H[0] += 1e-12 * total;
    beta = solveSpd(H, g, p);
    irls = Float64Array.from(x, (xi, i) => {
      let r = y[i];
      for (let a = 0; a < p; a++) r -= xi[a] * beta[a];
      return weights[i] / Math.max(Math.abs(r), 1e-3);
    });
  }
  return beta;
}

/**
 * The keypoint calibration (see the module comment) fitted to `samples`: `keypointTerms` for the
 * centre shift (fractions of the detector box) and the log scale, and as constant terms (used
 * for detections without keypoints) the per-component medians. Samples whose detection has no
 * keypoints are skipped by the keypoint fit. Each yaw bin counts equally there.
 */
export function keypointCalibration(samples: readonly DetectionSample[], ridge = 1e-4): DetectorBoxCalibration {
  const rows: Float64Array[] = [];
  const targets: number[][] = [[], [], [], []];
  const bins: YawBin[] = [];
  for (const s of samples) {
    const f = detectorKeypointFeatures(s.face);
    if (!f) continue;
    rows.push(Float64Array.of(1, ...f));
    const r = boxResidual(s.face.box, s.truth);
    targets[0].push(r.centreX);
    targets[1].push(r.centreY);
    targets[2].push(Math.log(r.scaleX));
    targets[3].push(Math.log(r.scaleY));
    bins.push(s.bin);
  }
  if (rows.length <= DETECTOR_KEYPOINT_FEATURES.length + 1) {
    throw new Error(`keypointCalibration: ${rows.length} detections with keypoints, need more than ${DETECTOR_KEYPOINT_FEATURES.length + 1}`);
  }
  const weights = Array.from(binWeights(bins));
  const [cx, cy, sx, sy] = targets.map((t) => Array.from(fitLeastAbsolute(rows, t, weights, ridge)));
  const constant = calibrationFromResiduals(samples.map((s) => boxResidual(s.face.box, s.truth)));
  return { ...constant, keypointTerms: { centreX: cx, centreY: cy, logScaleX: sx, logScaleY: sy } };
}

/** Two-fold cross-validated boxes: even-indexed samples mapped by the calibration fitted on the odd ones, and back. */
export function crossValidatedBoxes(samples: readonly DetectionSample[], ridge = 1e-4): Box[] {
  const folds = [0, 1].map((f) => keypointCalibration(samples.filter((_, i) => i % 2 !== f), ridge));
  return samples.map((s, i) => faceBoxFromDetection(s.face, folds[i % 2]));
}

interface SampleResult {
  image: string;
  bin: YawBin;
  truth: Box;
  match?: DetectedFace;
  falsePositives: number;
  ms: number;
}

async function runDetector(detector: FaceDetector, dataDir: string, samples: Aflw2000Sample[]): Promise<SampleResult[]> {
  const results: SampleResult[] = [];
  for (const sample of samples) {
    const image = decodeImage(join(dataDir, sample.image));
    const tensor = imageToTensor(image);
    const t0 = performance.now();
    let faces: DetectedFace[];
    try {
      faces = await detector.detect(tensor);
    } finally {
      tensor.dispose();
    }
    const ms = performance.now() - t0;
    const truth = boxOfPoints(sample.landmarks68.flat(), 3);
    const match = matchDetection(faces, truth);
    results.push({
      image: sample.image,
      bin: yawBinOf(sample.yawBinDegrees),
      truth,
      match,
      falsePositives: faces.filter((f) => f !== match).length,
      ms,
    });
  }
  return results;
}

const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** Prints and returns the detection rate, residuals and calibrated-box errors per bin; `boxes` holds each matched result's calibrated box. */
function summarise(title: string, results: SampleResult[], boxes: ReadonlyMap<SampleResult, Box>): Record<string, unknown> {
  const lines: string[] = [`\n${title}`];
  const report: Record<string, unknown> = { bins: {} };
  lines.push('detection rate by |yaw| bin:');
  for (const bin of [...YAW_BINS, 'all'] as const) {
    const inBin = results.filter((r) => bin === 'all' || r.bin === bin);
    const found = inBin.filter((r) => r.match);
    const residuals = found.map((r) => boxResidual(r.match!.box, r.truth));
    const calibrated = found.map((r) => boxes.get(r)!);
    const ious = calibrated.map((box, i) => boxIou(box, found[i].truth));
    const centreErr = calibrated.map((box, i) => {
      const t = found[i].truth;
      const side = (t[2] - t[0] + (t[3] - t[1])) / 2;
      return Math.hypot((box[0] + box[2] - t[0] - t[2]) / 2, (box[1] + box[3] - t[1] - t[3]) / 2) / side;
    });
    const sideRatio = calibrated.map((box, i) => {
      const t = found[i].truth;
      return (box[2] - box[0] + (box[3] - box[1])) / (t[2] - t[0] + (t[3] - t[1]));
    });
    const stats = (k: keyof BoxResidual): string => {
      const v = residuals.map((r) => r[k]);
      return `${k} median ${fmt(quantile(v, 0.5))} IQR [${fmt(quantile(v, 0.25))}, ${fmt(quantile(v, 0.75))}]`;
    };
    const fp = inBin.reduce((n, r) => n + r.falsePositives, 0);
    lines.push(
      `  ${bin.padEnd(8)} ${found.length}/${inBin.length} = ${fmt((100 * found.length) / Math.max(1, inBin.length), 1)}%  (extra detections: ${fp})`,
    );
    lines.push(`           residuals: ${(['centreX', 'centreY', 'scaleX', 'scaleY'] as const).map(stats).join('; ')}`);
    lines.push(
      `           calibrated box vs GT: IoU median ${fmt(quantile(ious, 0.5), 3)} (p10 ${fmt(quantile(ious, 0.1), 3)}), centre error / GT side median ${fmt(quantile(centreErr, 0.5))} (p90 ${fmt(quantile(centreErr, 0.9))}), mean-side ratio median ${fmt(quantile(sideRatio, 0.5))} IQR [${fmt(quantile(sideRatio, 0.25))}, ${fmt(quantile(sideRatio, 0.75))}]`,
    );
    (report.bins as Record<string, unknown>)[bin] = {
      detected: found.length,
      total: inBin.length,
      extraDetections: fp,
      residualMedian: calibrationFromResiduals(residuals),
      iouMedian: quantile(ious, 0.5),
      centreErrorMedian: quantile(centreErr, 0.5),
    };
  }
  const ms = results.map((r) => r.ms);
  lines.push(`detect() time on ${tf.getBackend()}: median ${fmt(quantile(ms, 0.5), 1)} ms, p90 ${fmt(quantile(ms, 0.9), 1)} ms`);
  report.detectMsMedian = quantile(ms, 0.5);
  console.log(lines.join('\n'));
  return report;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args = process.argv.slice(2)): Promise<void> {
  const dataDir = argValue(args, '--data') ?? join(findSharedDataDir() ?? '', 'aflw2000-dev');
  const annotations = join(dataDir, 'annotations.json');
  if (!existsSync(annotations)) {
    throw new Error(`AFLW2000-3D dev data not found at ${dataDir} (pass --data DIR or set PRNET_DATA_DIR)`);
  }
  const samples = (JSON.parse(readFileSync(annotations, 'utf8')) as { samples: Aflw2000Sample[] }).samples;
  await tf.setBackend('wasm');
  const scoreThreshold = Number(argValue(args, '--score') ?? 0.5);
  const detector = await loadDefaultDetector({ scoreThreshold });
  try {
    const results = await runDetector(detector, dataDir, samples);
    const found = results.filter((r) => r.match);
    console.log(`${samples.length} images, score threshold ${scoreThreshold}`);
    const medians = calibrationFromResiduals(found.map((r) => boxResidual(r.match!.box, r.truth)));
    const detections: DetectionSample[] = found.map((r) => ({ face: r.match!, truth: r.truth, bin: r.bin }));
    const keypoints = keypointCalibration(detections);
    const cv = crossValidatedBoxes(detections);
    const boxesBy = (box: (r: SampleResult, i: number) => Box) => new Map(found.map((r, i) => [r, box(r, i)]));
    const report = {
      medians: { calibration: medians, ...summarise('constant calibration (medians), in-sample', results, boxesBy((r) => faceBoxFromDetection({ box: r.match!.box }, medians))) },
      keypoints: { calibration: keypoints, ...summarise('keypoint calibration, fitted on all (in-sample)', results, boxesBy((r) => faceBoxFromDetection(r.match!, keypoints))) },
      keypointsCrossValidated: summarise('keypoint calibration, two-fold cross-validated', results, boxesBy((_, i) => cv[i])),
    };
    console.log('\ncalibration (medians):', JSON.stringify(medians));
    console.log('keypoint calibration (for BLAZEFACE_BOX_CALIBRATION):', JSON.stringify(keypoints));
    const out = argValue(args, '--json');
    if (out) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    const boxesOut = argValue(args, '--boxes-out');
    if (boxesOut) {
      const boxes = Object.fromEntries(found.map((r, i) => [r.image, Array.from(cv[i])]));
      writeFileSync(boxesOut, `${JSON.stringify({ note: 'two-fold cross-validated keypoint-calibrated BlazeFace boxes (prnet-train eval --boxes)', boxes })}\n`);
      console.log(`wrote ${found.length} cross-validated boxes to ${boxesOut}`);
    }
  } finally {
    detector.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

/**
 * Calibrates `faceBoxFromDetection`: how the BlazeFace box maps to the tight box of the 68
 * landmarks that PRNet's crop is built for. Runs the default detector over the AFLW2000-3D dev
 * split (200 images, the split reserved for validation and calibration), matches each image's
 * detection to its ground-truth box, and reports
 *   - the detection rate by |yaw| bin ([0,30], (30,60], >60),
 *   - median and IQR of the residuals (centre shift and scale, fractions of the detector box),
 *   - IoU and centre error of the calibrated box against the ground truth.
 * The medians are the constants to hard-code as `BLAZEFACE_BOX_CALIBRATION` in core.
 *
 * Usage (after building core: `npm run build -w @prnet/core`):
 *   npx tsx packages/trainer/src/calibrate/detector-box.ts [--data DIR] [--score 0.5] [--json OUT]
 */
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  boxOfPoints,
  faceBoxFromDetection,
  imageToTensor,
  type Box,
  type DetectedFace,
  type DetectorBoxCalibration,
  type FaceDetector,
} from '@prnet/core';
import { decodeImage, loadDefaultDetector } from '@prnet/core/node';
import { findSharedDataDir } from '../ict/ict-model.js';
import { quantile, yawBin as yawBinOf, YAW_BINS, type YawBin } from '../eval/metrics.js';

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

interface SampleResult {
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

function summarise(results: SampleResult[], calibration: DetectorBoxCalibration): Record<string, unknown> {
  const lines: string[] = [];
  const report: Record<string, unknown> = { calibration, bins: {} };
  lines.push('detection rate by |yaw| bin:');
  for (const bin of [...YAW_BINS, 'all'] as const) {
    const inBin = results.filter((r) => bin === 'all' || r.bin === bin);
    const found = inBin.filter((r) => r.match);
    const residuals = found.map((r) => boxResidual(r.match!.box, r.truth));
    const calibrated = found.map((r) => faceBoxFromDetection(r.match!, calibration));
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
    const calibration = calibrationFromResiduals(found.map((r) => boxResidual(r.match!.box, r.truth)));
    console.log(`${samples.length} images, score threshold ${scoreThreshold}`);
    const report = summarise(results, calibration);
    console.log('calibration (medians):', JSON.stringify(calibration));
    const out = argValue(args, '--json');
    if (out) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
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

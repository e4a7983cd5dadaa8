/**
 * `prnet-train calibrate-landmarks`: calibrates the 68 landmark pixels of a UV layout to the
 * AFLW2000-3D annotation convention on the dev split (see `landmark-pixels.ts`), reports the
 * two-fold cross-validated NME before and after, and optionally writes the layout back.
 *
 *   prnet-train calibrate-landmarks [--model M] [--data DIR] [--radius 12] [--profile-yaw 40] [--flip] [--refine | --no-refine] [--json OUT] [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { boxOfPoints, denseVertices, estimatePose, InvalidArgumentError, uvMirrorMap, type ProfileLandmarks } from '@prnet/core';
import { createPrnet, decodeImage, defaultModelPath, initNodeBackend, type NodeBackendName } from '@prnet/core/node';
import { findAflw2000DevDir, loadAflw2000 } from '../eval/aflw2000.js';
import { refineFromFlags } from '../eval/eval-command.js';
import { yawBin } from '../eval/metrics.js';
import {
  binTable,
  blendedSampleNme,
  calibrateLandmarkPixels,
  calibrateProfileLandmarkPixels,
  crossValidateLandmarkCalibration,
  crossValidateProfileCalibration,
  sampleNme,
  type CalibrationSample,
} from './landmark-pixels.js';

export const CALIBRATE_LANDMARKS_HELP = `prnet-train calibrate-landmarks [--model M] [--data DIR] [--radius 12] [--profile-yaw 40] [--flip] [--refine | --no-refine] [--json OUT] [--write]
    Calibrate the 68 landmark pixels of the model's UV layout to the AFLW2000-3D convention on
    the dev split: per landmark, the UV pixel within --radius of the current one with the least
    mean NME. Prints the NME per yaw bin before and after, two-fold cross-validated (each image
    scored by a calibration fitted on the other half). --write: store the calibration (fitted on
    all images) in the model's metadata (landmarkPixels), which createPrnet then uses for
    landmarks68; --json OUT: pixels and tables. The search starts from the layout's ICT points.
    --flip: reconstruct with the test-time flip (createPrnet's flipTest). The maps are
    createPrnet's default otherwise (second pass for faces turned 10° or more from upright);
    --refine: the second pass for every face; --no-refine: one pass.
    --profile-yaw T: also fit a profile set (profileLandmarks), blended in from T − 10 to T + 10
    degrees of the model's |yaw|, on the faces the blend reaches, both sides pooled through the UV
    mirror; 0: no profile set (--write then removes the model's).
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      radius: { type: 'string', default: '12' },
      'profile-yaw': { type: 'string', default: '40' },
      json: { type: 'string' },
      write: { type: 'boolean', default: false },
      flip: { type: 'boolean', default: false },
      refine: { type: 'boolean', default: false },
      'no-refine': { type: 'boolean', default: false },
      backend: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(CALIBRATE_LANDMARKS_HELP);
    return 0;
  }
  const radius = Number(values.radius);
  if (!Number.isInteger(radius) || radius < 0 || radius > 32) throw new InvalidArgumentError(`--radius must be an integer in [0, 32], got ${values.radius}`);
  const profileYaw = Number(values['profile-yaw']);
  if (!(profileYaw === 0 || (profileYaw >= 10 && profileYaw <= 80))) {
    throw new InvalidArgumentError(`--profile-yaw must be 0 (off) or degrees in [10, 80], got ${values['profile-yaw']}`);
  }
  const refine = refineFromFlags(values);
  const passes = refine === undefined ? '' : refine ? ' --refine' : ' --no-refine';
  const dataDir = values.data ?? findAflw2000DevDir();
  if (!dataDir) throw new InvalidArgumentError('no AFLW2000-3D folder: pass --data DIR (or set PRNET_DATA_DIR)');
  const backend = await initNodeBackend(values.backend as NodeBackendName | undefined);
  const modelPath = values.model ?? defaultModelPath();
  const prnet = await createPrnet({ model: modelPath, landmarks: 'layout', flipTest: values.flip, refine });
  const layout = prnet.layout;
  const dataset = loadAflw2000(dataDir);
  const samples: CalibrationSample[] = [];
  try {
    for (const [i, s] of dataset.samples.entries()) {
      const box = boxOfPoints(s.landmarks68, 3);
      const face = await prnet.reconstruct(decodeImage(s.imagePath), { box });
      samples.push({
        positionMap: Float32Array.from(face.positionMap),
        truth: s.landmarks68,
        norm: Math.sqrt((box[2] - box[0]) * (box[3] - box[1])),
        bin: yawBin(s.yawBinDegrees),
      });
      if ((i + 1) % 50 === 0) console.log(`reconstructed ${i + 1}/${dataset.samples.length} (${backend})`);
    }
  } finally {
    prnet.dispose();
  }
  const start = layout.landmarkPixels;
  const cv = crossValidateLandmarkCalibration(samples, start, layout.mask, layout.resolution, radius);
  const final = calibrateLandmarkPixels(samples, start, layout.mask, layout.resolution, radius);
  const inSample = samples.map((s) => sampleNme(s, final));
  const before = binTable(samples, cv.before);
  const after = binTable(samples, cv.after);
  const fitted = binTable(samples, inSample);
  let profile: { set: ProfileLandmarks; crossValidated: ReturnType<typeof binTable>; inSample: ReturnType<typeof binTable> } | undefined;
  if (profileYaw > 0) {
    // The yaw the model will report with these landmark pixels (its pose fit weights them).
    const calibratedLayout = { ...layout, landmarkPixels: final };
    const withYaw = samples.map((s) => ({ ...s, yaw: estimatePose(denseVertices(s.positionMap, calibratedLayout), calibratedLayout).yaw }));
    const options = { mirror: uvMirrorMap(layout), yawThreshold: profileYaw, blendHalfWidth: 10, radius };
    const set = calibrateProfileLandmarkPixels(withYaw, start, final, layout.mask, layout.resolution, options);
    profile = {
      set,
      crossValidated: binTable(samples, crossValidateProfileCalibration(withYaw, start, layout.mask, layout.resolution, options)),
      inSample: binTable(samples, withYaw.map((s) => blendedSampleNme(s, final, set))),
    };
  }
  const row = (name: string, t: { bins: Record<string, number>; mean: number }) =>
    `${name.padEnd(34)} ${['[0,30]', '(30,60]', '>60'].map((b) => (t.bins[b] ?? NaN).toFixed(2).padStart(8)).join('')} ${t.mean.toFixed(2).padStart(8)}`;
  console.log(`\n${dataDir}: ${samples.length} images, layout ${layout.resolution}², search radius ${radius} px${values.flip ? ', test-time flip' : ''}${passes}`);
  console.log(`${'NME 2D %'.padEnd(34)}   [0,30] (30,60]     >60     mean`);
  console.log(row('layout landmarks', before));
  console.log(row('calibrated, 2-fold cross-validated', after));
  console.log(row('calibrated on all (in-sample)', fitted));
  if (profile) {
    const [lo, hi] = profile.set.blendYawDegrees;
    console.log(row(`+ profile set (${lo}–${hi}°), 2-fold CV`, profile.crossValidated));
    console.log(row('+ profile set, in-sample', profile.inSample));
  }
  console.log(`fold agreement: the two halves' pixels differ by ${cv.foldDisagreementPx.toFixed(2)} px on average`);
  const R = layout.resolution;
  const moves = Array.from(final, (p, k) => [(p % R) - (start[k] % R), Math.floor(p / R) - Math.floor(start[k] / R)]);
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify({ data: dataDir, count: samples.length, radius, resolution: R, before, crossValidated: after, inSample: fitted, foldDisagreementPx: cv.foldDisagreementPx, pixels: Array.from(final), start: Array.from(start), moves, profile: profile && { pixels: Array.from(profile.set.pixels), blendYawDegrees: profile.set.blendYawDegrees, crossValidated: profile.crossValidated, inSample: profile.inSample } }, null, 1)}\n`,
    );
  }
  if (values.write) {
    // Check as core will (distinct, inside the mask) before touching the file.
    if (new Set(final).size !== final.length || final.some((p) => !layout.mask[p])) {
      throw new InvalidArgumentError('calibrated landmark pixels must be distinct and inside the mask');
    }
    const json = JSON.parse(readFileSync(modelPath, 'utf8'));
    const meta = json.userDefinedMetadata?.prnet;
    if (!meta) throw new InvalidArgumentError(`${modelPath} has no userDefinedMetadata.prnet`);
    meta.landmarkPixels = Array.from(final);
    meta.landmarkCalibration = {
      convention: 'AFLW2000-3D 68 points',
      data: `${samples.length} images of ${dataDir.split(/[\\/]/).pop()}`,
      radius,
      nme2dMeanOfBins: { layout: before.mean, crossValidated: after.mean, inSample: fitted.mean },
      ...(profile && {
        profile: { yawThreshold: profileYaw, nme2dMeanOfBins: { crossValidated: profile.crossValidated.mean, inSample: profile.inSample.mean } },
      }),
      command: `prnet-train calibrate-landmarks --profile-yaw ${profileYaw}${values.flip ? ' --flip' : ''}${passes} --write`,
    };
    if (profile) meta.profileLandmarks = { pixels: Array.from(profile.set.pixels), blendYawDegrees: [...profile.set.blendYawDegrees] };
    else delete meta.profileLandmarks;
    writeFileSync(modelPath, JSON.stringify(json));
    console.log(`wrote the calibrated landmark pixels into ${modelPath} (userDefinedMetadata.prnet.landmarkPixels)`);
  }
  return 0;
}

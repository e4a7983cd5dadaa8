import type { Box } from '../geometry/crop.js';
import type { DetectedFace } from './types.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * How a detector box relates to the tight box of the 68 landmarks that `cropFromBox` expects,
 * as fractions of the detector box's width w and height h. Without keypoint terms (or for a
 * detection without BlazeFace's 6 keypoints):
 *
 *   centre68 = detectorCentre + (centreX · w, centreY · h)
 *   size68   = (scaleX · w, scaleY · h)
 *
 * With `keypointTerms` and keypoints, each of the four is a linear function of the detection's
 * keypoint features f (`detectorKeypointFeatures`): shift (t.centreX·[1, f]) · w, size
 * exp(t.logScaleX·[1, f]) · w, and likewise for y.
 */
export interface DetectorBoxCalibration {
  readonly centreX: number;
  readonly centreY: number;
  readonly scaleX: number;
  readonly scaleY: number;
  /**
   * Linear models over [1, ...`detectorKeypointFeatures`] (an intercept, then one coefficient per
   * `DETECTOR_KEYPOINT_FEATURES` entry) for the centre shift and the log scale. They move the box
   * to where the keypoints say the face is: for a profile, BlazeFace's box stays on the head while
   * the nose tip leaves it.
   */
  readonly keypointTerms?: {
    readonly centreX: readonly number[];
    readonly centreY: readonly number[];
    readonly logScaleX: readonly number[];
    readonly logScaleY: readonly number[];
  };
}

/** What the box mapping reads of a detection: its box, and BlazeFace's 6 keypoints when present. */
export type DetectionBox = Pick<DetectedFace, 'box'> & { readonly keypoints?: readonly (readonly number[])[] };

/**
 * The features `keypointTerms` weigh, in order: BlazeFace's keypoints relative to the detector
 * box's centre, x in box widths and y in box heights (eyes = midpoint of the two eyes;
 * eyeDistance = distance between the eyes in box widths).
 */
export const DETECTOR_KEYPOINT_FEATURES = [
  'noseX',
  'eyesX',
  'mouthX',
  'noseY',
  'eyesY',
  'mouthY',
  'eyeDistance',
  'earImageLeftX',
  'earImageRightX',
] as const;

/**
 * The keypoint features of a detection (`DETECTOR_KEYPOINT_FEATURES` order), or undefined when it
 * does not carry BlazeFace's 6 keypoints or its box is empty.
 */
export function detectorKeypointFeatures(face: DetectionBox): Float64Array | undefined {
  const kp = face.keypoints;
  const [x0, y0, x1, y1] = face.box;
  const w = x1 - x0;
  const h = y1 - y0;
  if (!kp || kp.length !== 6 || !(w > 0) || !(h > 0)) return undefined;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const [eyeA, eyeB, nose, mouth, earA, earB] = kp;
  const eyesX = (eyeA[0] + eyeB[0]) / 2;
  const eyesY = (eyeA[1] + eyeB[1]) / 2;
  return Float64Array.of(
    (nose[0] - cx) / w,
    (eyesX - cx) / w,
    (mouth[0] - cx) / w,
    (nose[1] - cy) / h,
    (eyesY - cy) / h,
    (mouth[1] - cy) / h,
    Math.hypot(eyeB[0] - eyeA[0], eyeB[1] - eyeA[1]) / w,
    (earA[0] - cx) / w,
    (earB[0] - cx) / w,
  );
}

/**
 * The default calibration for the BlazeFace detector of `createBlazeFaceDetector` (default
 * settings: [-1, 1] input, weighted blend), with keypoint terms: fitted by least absolute
 * deviations (each |yaw| bin weighted equally) on the 200 AFLW2000-3D dev images (199 detected) by
 *   npx tsx packages/trainer/src/calibrate/detector-box.ts   (core built first)
 * Calibrated box against the ground-truth 68-landmark box: median IoU 0.859 and median centre
 * error 4.4 % of the box side (6.8 % for |yaw| > 60°); two-fold cross-validated 0.851 and 4.4 %
 * (7.4 %). The constant terms (per-component medians, used for detections without keypoints)
 * alone give 0.825 and 5.5 % (8.3 % for |yaw| > 60°): on profiles BlazeFace's box stays on the head
 * while the nose tip leaves it.
 */
export const BLAZEFACE_BOX_CALIBRATION: DetectorBoxCalibration = {
  centreX: -0.0037,
  centreY: 0.0549,
  scaleX: 0.9327,
  scaleY: 0.9223,
  keypointTerms: {
    centreX: [0.0657, -0.0254, -0.0369, -0.0933, -0.0389, -0.0539, -0.014, -0.0319, -0.1901, -0.3552],
    centreY: [0.0352, 0.0256, -0.0237, 0.0694, 0.1679, -0.0296, 0.1457, -0.1344, 0.0553, 0.1147],
    logScaleX: [-0.0864, -0.0094, -0.3408, 0.2605, -0.3002, 0.0562, -0.2415, 0.3068, 0.0829, 0.0188],
    logScaleY: [0.1763, -0.0278, -0.2281, 0.1158, -0.435, -0.0256, -0.2551, 0.1228, 0.4197, -0.2449],
  },
};

/**
 * The tight 68-landmark face box [x0, y0, x1, y1] (image pixels) equivalent to a detection, for
 * `cropFromBox`. Uses `BLAZEFACE_BOX_CALIBRATION` unless another calibration is given; its
 * keypoint terms apply when the detection has BlazeFace's 6 keypoints.
 */
export function faceBoxFromDetection(
  face: DetectionBox,
  calibration: DetectorBoxCalibration = BLAZEFACE_BOX_CALIBRATION,
): Box {
  const [x0, y0, x1, y1] = face.box;
  const w = x1 - x0;
  const h = y1 - y0;
  let shiftX = calibration.centreX;
  let shiftY = calibration.centreY;
  let sizeX = calibration.scaleX;
  let sizeY = calibration.scaleY;
  const terms = calibration.keypointTerms;
  const f = terms ? detectorKeypointFeatures(face) : undefined;
  if (terms && f) {
    shiftX = linear(terms.centreX, f);
    shiftY = linear(terms.centreY, f);
    sizeX = Math.exp(linear(terms.logScaleX, f));
    sizeY = Math.exp(linear(terms.logScaleY, f));
  }
  const cx = (x0 + x1) / 2 + shiftX * w;
  const cy = (y0 + y1) / 2 + shiftY * h;
  const hw = (sizeX * w) / 2;
  const hh = (sizeY * h) / 2;
  return [cx - hw, cy - hh, cx + hw, cy + hh];
}

/** a · [1, f]: intercept a[0] plus the feature terms. */
function linear(a: readonly number[], f: Float64Array): number {
  if (a.length !== f.length + 1) {
    throw new InvalidArgumentError(
      `detector calibration: ${a.length} keypoint coefficients, expected ${f.length + 1} (an intercept and one per DETECTOR_KEYPOINT_FEATURES entry)`,
    );
  }
  let s = a[0];
  for (let i = 0; i < f.length; i++) s += a[i + 1] * f[i];
  return s;
}

import type { Box } from '../geometry/crop.js';
import type { DetectedFace } from './types.js';

/**
 * How a detector box relates to the tight box of the 68 landmarks that `cropFromBox` expects,
 * as fractions of the detector box's width (x) and height (y):
 *
 *   centre68 = detectorCentre + (centreX · w, centreY · h)
 *   size68   = (scaleX · w, scaleY · h)
 */
export interface DetectorBoxCalibration {
  readonly centreX: number;
  readonly centreY: number;
  readonly scaleX: number;
  readonly scaleY: number;
}

/**
 * The default calibration for the BlazeFace detector of `createBlazeFaceDetector` (default
 * settings: [-1, 1] input, weighted blend): per-component medians of the residuals over the 200
 * AFLW2000-3D dev images (199 detected), produced by
 *   npx tsx packages/trainer/src/calibrate/detector-box.ts   (core built first)
 * Residual IQRs: centreX [-0.031, 0.027], centreY [0.019, 0.083], scaleX [0.887, 0.985],
 * scaleY [0.859, 0.987]. With it the box matches the ground-truth 68-landmark box with median IoU
 * 0.83 and median centre error 5.5% of the box side (8% for |yaw| > 60°).
 */
export const BLAZEFACE_BOX_CALIBRATION: DetectorBoxCalibration = {
  centreX: -0.0037,
  centreY: 0.0549,
  scaleX: 0.9327,
  scaleY: 0.9223,
};

/**
 * The tight 68-landmark face box [x0, y0, x1, y1] (image pixels) equivalent to a detection, for
 * `cropFromBox`. Uses `BLAZEFACE_BOX_CALIBRATION` unless another calibration is given.
 */
export function faceBoxFromDetection(
  face: Pick<DetectedFace, 'box'>,
  calibration: DetectorBoxCalibration = BLAZEFACE_BOX_CALIBRATION,
): Box {
  const [x0, y0, x1, y1] = face.box;
  const w = x1 - x0;
  const h = y1 - y0;
  const cx = (x0 + x1) / 2 + calibration.centreX * w;
  const cy = (y0 + y1) / 2 + calibration.centreY * h;
  const hw = (calibration.scaleX * w) / 2;
  const hh = (calibration.scaleY * h) / 2;
  return [cx - hw, cy - hh, cx + hw, cy + hh];
}

export type { DetectedFace, FaceDetector } from './types.js';
export {
  BLAZEFACE_DEFAULTS,
  createBlazeFaceDetector,
  letterboxCrop,
  type BlazeFaceConfig,
} from './blazeface.js';
export { blazeFaceAnchors } from './anchors.js';
export { BLAZEFACE_KEYPOINT_NAMES } from './decode.js';
export {
  BLAZEFACE_BOX_CALIBRATION,
  DETECTOR_KEYPOINT_FEATURES,
  detectorKeypointFeatures,
  faceBoxFromDetection,
  type DetectionBox,
  type DetectorBoxCalibration,
} from './face-box.js';

export { EYE_CONTOUR_POINTS, IRIS_POINTS, eyeCropBox, eyeMeasures, type EyeMeasures } from './eye-measures.js';
export {
  createIrisLandmarker,
  type EyeObservation,
  type EyesObservation,
  type IrisLandmarker,
  type IrisLandmarkerConfig,
} from './iris-landmarker.js';

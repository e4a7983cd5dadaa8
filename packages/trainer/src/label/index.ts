/**
 * Real-photo labels: MediaPipe's face mesh as a teacher (`loadTeacher`), its correspondence to
 * the ICT mesh built from synthetic renders (`buildTeacherCorrespondence`), a morphable-model
 * fitter (`createMeshFitter`), the photo labeller (`createPhotoLabeller`), the sharded labelled
 * dataset writer with quality report (`writeLabelledDataset`) and contact sheets.
 */
export {
  AFLW21_COUNT,
  AFLW21_EARS,
  AFLW21_FROM_68,
  aflw21MeshPoints,
  annotationBox,
  readAflwAnnotations,
  type AflwAnnotation,
  type Aflw21Points,
} from './aflw21.js';
export {
  aflw21PointsFromCorrespondence,
  calibrateAflw21,
  defaultAflw21Path,
  isCalibrationSample,
  loadAflw21Correspondence,
  writeAflw21Correspondence,
  type Aflw21Correspondence,
  type CalibrateAflw21Options,
} from './calibrate-aflw21.js';
export {
  buildTeacherCorrespondence,
  createVertexMatcher,
  defaultCorrespondencePath,
  faceAreaVertices,
  loadTeacherCorrespondence,
  writeTeacherCorrespondence,
  type BuildCorrespondenceOptions,
  type TeacherCorrespondence,
  type VertexMatcher,
} from './correspondence.js';
export {
  buildFaceMesh,
  coefficientCount,
  createMeshFitter,
  evaluateMeshPoints,
  fittedImageVertices,
  meanVertexPoints,
  solveBoxedQuadratic,
  solveSpd,
  vertexPoints,
  type MeshFit,
  type MeshFitInput,
  type MeshFitter,
  type MeshFitterOptions,
  type MeshPoints,
} from './fit-mesh.js';
export { buildFitReport, formatFitReport, type FitReport, type NmeRow, type QualityRecord } from './fit-report.js';
export { formatLabelProgress, runLabelCommand, LABEL_COMMAND_HELP } from './label-command.js';
export { keptPhotos, LABEL_VERSION, photoOrder, qualityFileName, writeLabelledDataset, type LabelDatasetOptions, type LabelDatasetResult, type LabelProgress } from './label-dataset.js';
export {
  createPhotoLabeller,
  DEFAULT_ANNOTATION_WEIGHT,
  poseOfFit,
  teacherWeights,
  type LabelCallOptions,
  type LabelledPhoto,
  type LabelQuality,
  type PhotoLabeller,
  type PhotoLabellerOptions,
} from './label-photo.js';
export { labelContactSheet, type LabelSheetItem } from './label-sheet.js';
export { selectLabels, type SelectedQualityRecord, type SelectLabelsOptions, type SelectLabelsResult } from './select-labels.js';
export { createPrnetTeacher, maskedBilinearTap, prnetTeacherCorrespondence, type MapTap, type PrnetTeacher, type PrnetTeacherOptions } from './prnet-teacher.js';
export { writeLabelledContactSheet } from './label-sheet-file.js';
export {
  DEFAULT_TEACHER_PASSES,
  defaultTeacherModelPath,
  humanModelsDir,
  loadTeacher,
  TEACHER_INPUT_SIZE,
  TEACHER_POINTS,
  type Teacher,
  type TeacherOptions,
  type TeacherResult,
} from './teacher.js';

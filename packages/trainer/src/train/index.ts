/**
 * The training loop: PRNet's losses, `train` (Adam, mixed datasets, checkpoints with exact resume,
 * validation, logs), `exportModel`, and the `prnet-train train|export` commands.
 */
export { denseLandmarkTargets, landmarkReprojectionLoss, positionMapLoss, weightMaskTensor, type DenseLandmarkTargets } from './loss.js';
export { learningRateAt, resolveLearningRate, type LearningRateConfig } from './schedule.js';
export { createTrainingRng, restoreTrainingRng, type RngState, type TrainingRng } from './rng.js';
export {
  checkpointName,
  configHash,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpointNetwork,
  loadOptimizerState,
  readCheckpointState,
  saveCheckpoint,
  type CheckpointInfo,
  type CheckpointState,
  type DataCursor,
} from './checkpoint.js';
export { createMixedStream, type MixedSource, type MixedStream } from './data-stream.js';
export { validateAflw2000, validateSynthetic, type Aflw2000Validation, type SyntheticValidation, type SyntheticValidationOptions } from './validate.js';
export {
  train,
  type StepRecord,
  type TrainConfig,
  type TrainDataset,
  type TrainHooks,
  type TrainResult,
  type TrainingDatasetReader,
  type ValidationConfig,
} from './trainer.js';
export { TrainingError, type TrainingErrorCode } from './training-error.js';
export { exportModel, modelCard, type ExportOptions, type ExportResult } from './export.js';
export { EXPORT_HELP, TRAIN_HELP, parseDataArg, runExportCommand, runTrainCommand, trainConfigFromArgs, type CommandIo } from './train-command.js';

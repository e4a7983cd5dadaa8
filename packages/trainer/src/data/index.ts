/**
 * Synthetic training data: sampling and rendering faces with exact position-map labels
 * (`sampleSyntheticFace`, `createSampleGenerator`), sharded resumable datasets
 * (`writeSyntheticDataset`, `openDataset`), PRNet's augmentation and batching
 * (`makeTrainingBatch`), contact sheets and the `prnet-train data` command.
 */
export { augmentedCrop, makeTrainingBatch, positionMapOvershoot, type AugmentOptions, type TrainingBatch, type TrainingBatchOptions } from './augment.js';
export { datasetContactSheet, writeDatasetContactSheet, type DatasetSheetOptions } from './contact-sheet.js';
export { DATA_COMMAND_HELP, formatProgress, runDataCommand, type DataCommandIo } from './data-command.js';
export { DatasetError, type DatasetErrorCode } from './dataset-error.js';
export { openDataset, type DatasetReader, type IterateOptions, type OpenDatasetOptions } from './dataset-reader.js';
export {
  EXPRESSION_COUNT,
  EXPRESSION_NAMES,
  expressionIndex,
  expressionRecord,
  sampleExpression,
  type ExpressionName,
  type ExpressionSamplingOptions,
} from './expressions.js';
export { fileCrc32, readManifest, MANIFEST_FILE, type DatasetManifest, type ShardEntry } from './manifest.js';
export { createSampleGenerator, type Sample, type SampleGenerator, type SampleGeneratorOptions } from './sample.js';
export { decodeSample, encodeSample, rawRecordBytes, type ImageFormat } from './sample-codec.js';
export {
  resolveDegradationOptions,
  sampleSeed,
  sampleSyntheticFace,
  SYNTHETIC_GENERATOR_VERSION,
  type BlurOptions,
  type JpegArtefactOptions,
  type PhotoBackgroundOptions,
  type PoseDegrees,
  type SyntheticFace,
  type SyntheticFaceOptions,
} from './synthetic-face.js';
export { shardFileName, writeSyntheticDataset, type DatasetProgress, type WriteDatasetOptions, type WriteDatasetResult } from './write-dataset.js';

/** Why a dataset operation failed. */
export type DatasetErrorCode =
  /** No `manifest.json` (or no folder) where a dataset was expected. */
  | 'DATASET_MISSING'
  /** The manifest, a shard or a record is malformed, truncated or fails its checksum. */
  | 'DATASET_CORRUPT'
  /** An existing dataset was written with different parameters than the ones asked for. */
  | 'DATASET_MISMATCH'
  /** A generation worker failed. */
  | 'DATASET_WORKER';

/** Thrown by the dataset writer and reader; `code` says why. */
export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  constructor(code: DatasetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
    this.code = code;
  }
}

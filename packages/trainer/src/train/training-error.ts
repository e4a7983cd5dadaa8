/** Why training stopped with an error. */
export type TrainingErrorCode =
  /** The loss became NaN or infinite; the last good checkpoint is kept. */
  | 'DIVERGED'
  /** A batch did not fit in memory; a smaller `--batch` may. */
  | 'OUT_OF_MEMORY'
  /** The configuration is malformed or inconsistent (e.g. UV resolutions differ). */
  | 'INVALID_CONFIG'
  /** A checkpoint could not be written or read. */
  | 'CHECKPOINT'
  /** `--resume` found a checkpoint written with a different configuration. */
  | 'RESUME_MISMATCH';

/** Thrown by the trainer; `code` says why. Dataset problems are the data module's `DatasetError`. */
export class TrainingError extends Error {
  readonly code: TrainingErrorCode;
  constructor(code: TrainingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainingError';
    this.code = code;
  }
}

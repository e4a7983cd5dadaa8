/**
 * Typed errors. Every error this package throws on bad input or a bad model is a
 * `PrnetError` subclass with a stable `code`, so callers can branch without parsing messages.
 */
export type PrnetErrorCode =
  | 'INVALID_IMAGE'
  | 'INVALID_BOX'
  | 'NO_FACE'
  | 'MODEL_LOAD'
  | 'INVALID_MODEL'
  | 'INVALID_LAYOUT'
  | 'INVALID_ARGUMENT'
  | 'DETECTOR_UNAVAILABLE'
  | 'BACKEND_UNAVAILABLE'
  | 'DISPOSED';

export class PrnetError extends Error {
  readonly code: PrnetErrorCode;
  constructor(code: PrnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The image is missing, unreadable, corrupt, empty or has an unsupported layout. */
export class InvalidImageError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_IMAGE', message, options);
  }
}

/** A face box is malformed, has zero size, or lies outside the image. */
export class InvalidBoxError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_BOX', message, options);
  }
}

/** No face box was given and the detector found no face. */
export class NoFaceError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NO_FACE', message, options);
  }
}

/** A model file is missing, truncated, unreadable or not a PRNet model. */
export class ModelLoadError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_LOAD', message, options);
  }
}

/** A UV layout asset is malformed or does not match the model. */
export class InvalidLayoutError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_LAYOUT', message, options);
  }
}

/** A function received an argument outside its contract (wrong length, resolution, range). */
export class InvalidArgumentError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** Automatic face detection was requested but no detector model is available. */
export class DetectorUnavailableError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DETECTOR_UNAVAILABLE', message, options);
  }
}

/** No usable tfjs backend could be initialised. */
export class BackendUnavailableError extends PrnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** A method was called on an object after `dispose()`. */
export class DisposedError extends PrnetError {
  constructor(what: string) {
    super('DISPOSED', `${what} has been disposed`);
  }
}

/**
 * Typed errors of the plugin. Each has a stable `code` so an app can show the right message
 * (e.g. "allow camera access") without parsing text.
 */
export type PluginErrorCode =
  | 'CAMERA_PERMISSION_DENIED'
  | 'CAMERA_NOT_FOUND'
  | 'CAMERA_DISCONNECTED'
  | 'CAMERA_IN_USE'
  | 'CAMERA_UNSUPPORTED'
  | 'INVALID_BASIS'
  | 'INVALID_ARGUMENT'
  | 'DISPOSED';

export class PluginError extends Error {
  readonly code: PluginErrorCode;
  constructor(code: PluginErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A camera problem: permission denied, no camera, camera unplugged, busy, or no getUserMedia. */
export class CameraError extends PluginError {}

/** The blendshape basis asset is malformed or does not match the UV layout. */
export class InvalidBasisError extends PluginError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_BASIS', message, options);
  }
}

export class InvalidArgumentError extends PluginError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** A method was called after `dispose()`. */
export class DisposedError extends PluginError {
  constructor(what: string) {
    super('DISPOSED', `${what} was disposed`);
  }
}

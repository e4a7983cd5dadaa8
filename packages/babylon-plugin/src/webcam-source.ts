import { Observable } from '@babylonjs/core/Misc/observable.js';
import { CameraError, DisposedError } from './errors.js';

export type WebcamState = 'idle' | 'starting' | 'running' | 'stopped' | 'error';

export interface WebcamConfig {
  /** `deviceId` of the camera (from `listCameras()`). Default: the browser's choice. */
  deviceId?: string;
  /** Ideal capture size, pixels. Default 640 × 480. */
  width?: number;
  height?: number;
  /** Ideal frame rate. Default 30. */
  frameRate?: number;
  /** 'user' (front) or 'environment'. Default 'user'; ignored when `deviceId` is set. */
  facingMode?: 'user' | 'environment';
  /** The video element to play into. Default: a new, muted, inline `<video>`. */
  video?: HTMLVideoElement;
  /** The `MediaDevices` to use (tests pass fakes). Default `navigator.mediaDevices`. */
  mediaDevices?: MediaDevices;
}

/** A webcam playing into a `<video>` element. `dispose()` stops the camera. */
export interface WebcamSource {
  readonly video: HTMLVideoElement;
  readonly state: WebcamState;
  /** The last error (state 'error'), with a `code`: CAMERA_PERMISSION_DENIED, CAMERA_NOT_FOUND, CAMERA_DISCONNECTED, CAMERA_IN_USE, CAMERA_UNSUPPORTED. */
  readonly error: CameraError | undefined;
  /** Fires on every state change. */
  readonly onStateChangedObservable: Observable<WebcamState>;
  /** Asks for the camera and starts playing. Rejects with a `CameraError` (and enters 'error'). */
  start(): Promise<void>;
  /** Stops the camera tracks (the light goes off). Can be started again. */
  stop(): void;
  /** The video input devices (labels appear once permission was given). */
  listCameras(): Promise<MediaDeviceInfo[]>;
  /** Switches to another camera (restarts when running). */
  setDevice(deviceId: string | undefined): Promise<void>;
  dispose(): void;
}

/** Maps a getUserMedia rejection to a `CameraError` with a message a user can act on. */
export function cameraErrorFrom(error: unknown): CameraError {
  if (error instanceof CameraError) return error;
  const name = (error as { name?: string } | undefined)?.name ?? '';
  const cause = { cause: error };
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new CameraError('CAMERA_PERMISSION_DENIED', 'Camera access was denied. Allow the camera for this page and try again.', cause);
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return new CameraError('CAMERA_NOT_FOUND', 'No camera was found. Connect a camera and try again.', cause);
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new CameraError('CAMERA_IN_USE', 'The camera could not be started; another application may be using it.', cause);
    default:
      return new CameraError('CAMERA_NOT_FOUND', `The camera could not be started: ${(error as Error)?.message ?? String(error)}`, cause);
  }
}

export function createWebcamSource(config: WebcamConfig = {}): WebcamSource {
  const mediaDevices = config.mediaDevices ?? (typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined);
  const video = config.video ?? createVideoElement();
  let deviceId = config.deviceId;
  let stream: MediaStream | undefined;
  let state: WebcamState = 'idle';
  let error: CameraError | undefined;
  let disposed = false;
  let generation = 0;
  const onStateChangedObservable = new Observable<WebcamState>();

  const setState = (next: WebcamState, err?: CameraError) => {
    error = err;
    if (state === next) return;
    state = next;
    onStateChangedObservable.notifyObservers(next);
  };

  const onEnded = () => {
    if (state !== 'running') return;
    release();
    setState('error', new CameraError('CAMERA_DISCONNECTED', 'The camera was disconnected.'));
  };

  function release(): void {
    if (!stream) return;
    for (const track of stream.getTracks()) {
      track.removeEventListener('ended', onEnded);
      track.stop();
    }
    stream = undefined;
    video.srcObject = null;
  }

  const source: WebcamSource = {
    video,
    get state() {
      return state;
    },
    get error() {
      return error;
    },
    onStateChangedObservable,
    async start() {
      if (disposed) throw new DisposedError('the webcam source');
      if (state === 'running' || state === 'starting') return;
      const mine = ++generation;
      if (!mediaDevices?.getUserMedia) {
        const err = new CameraError('CAMERA_UNSUPPORTED', 'This browser cannot access cameras (getUserMedia needs a secure https:// or localhost page).');
        setState('error', err);
        throw err;
      }
      setState('starting');
      const size = { width: { ideal: config.width ?? 640 }, height: { ideal: config.height ?? 480 }, frameRate: { ideal: config.frameRate ?? 30 } };
      const constraints: MediaStreamConstraints = {
        audio: false,
        video: deviceId ? { ...size, deviceId: { exact: deviceId } } : { ...size, facingMode: config.facingMode ?? 'user' },
      };
      let got: MediaStream;
      try {
        got = await mediaDevices.getUserMedia(constraints);
      } catch (cause) {
        const err = cameraErrorFrom(cause);
        if (mine === generation) setState('error', err);
        throw err;
      }
      if (disposed || mine !== generation) {
        for (const track of got.getTracks()) track.stop();
        return;
      }
      stream = got;
      for (const track of got.getVideoTracks()) track.addEventListener('ended', onEnded);
      video.srcObject = got;
      try {
        await video.play();
      } catch (cause) {
        // Autoplay of a muted inline video is allowed; anything else is a real failure.
        release();
        const err = cameraErrorFrom(cause);
        setState('error', err);
        throw err;
      }
      setState('running');
    },
    stop() {
      generation++;
      release();
      if (state !== 'idle' && state !== 'error') setState('stopped');
    },
    async listCameras() {
      if (!mediaDevices?.enumerateDevices) return [];
      return (await mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    },
    async setDevice(id) {
      deviceId = id;
      if (state === 'running' || state === 'starting') {
        source.stop();
        await source.start();
      }
    },
    dispose() {
      if (disposed) return;
      source.stop();
      disposed = true;
      onStateChangedObservable.clear();
      if (!config.video) video.remove?.();
    },
  };
  return source;
}

function createVideoElement(): HTMLVideoElement {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.autoplay = true;
  return video;
}

import { Observable } from '@babylonjs/core/Misc/observable.js';
import type { Tensor3D } from '@tensorflow/tfjs-core';
import {
  boxOfPoints,
  imageSize,
  imageToTensor,
  type Box,
  type EyesObservation,
  type FaceReconstruction,
  type IrisLandmarker,
  type Prnet,
  type PrnetImageInput,
} from '@prnet/core';
import type { BlendshapeEstimator } from './blendshape-estimator.js';
import { DisposedError } from './errors.js';
import { FaceSolver, type FaceFrame, type FaceSolverConfig } from './face-solver.js';

export interface FaceTrackerConfig {
  /**
   * The reconstructor, loaded by the app (`createPrnet`), with a face detector for finding the
   * face when none is tracked. Not disposed by the tracker.
   */
  prnet: Prnet;
  /** Blendshape estimator (`createBlendshapeEstimator`); without one the weights stay 0. */
  estimator?: BlendshapeEstimator;
  /**
   * Eyelids and irises (`createIrisLandmarker` with MediaPipe's iris model): when given, each
   * tracked frame also runs it on the face's eyes, and eyeBlink / eyeWide / eyeLook come from it
   * (see `EyeBlendshapes`). Not disposed by the tracker.
   */
  irisLandmarker?: IrisLandmarker;
  /** Calibration, mirroring and filtering settings (see `FaceSolver`). */
  solver?: FaceSolverConfig;
  /** Run the detector again every this many tracked frames (0 = only when the face is lost). Default 0. */
  redetectInterval?: number;
  /** A tracked face whose 68-landmark box is smaller than this (pixels) counts as lost. Default 24. */
  minFaceSize?: number;
  /** Clock in ms. Default `performance.now()`. */
  now?: () => number;
}

export const FACE_TRACKER_DEFAULTS = { redetectInterval: 0, minFaceSize: 24 } as const;

/** Counters for an FPS / latency display. */
export interface TrackerStats {
  /** Frames tracked (results delivered). */
  frames: number;
  /** Calls to `update` that were dropped because a step was still running. */
  skipped: number;
  /** Detector runs. */
  detections: number;
  /** Latency of the last step, ms (input read → result). */
  lastLatencyMs: number;
  /** Exponential moving average of the latency, ms. */
  meanLatencyMs: number;
  /** Tracked frames per second (moving average). */
  fps: number;
}

/**
 * The tracking loop: the detector finds a face when none is tracked, then each frame is cropped
 * from the previous frame's landmarks. `update(video)` starts a step only when the previous one has
 * finished and the video shows a new frame — frames are skipped, never queued, so rendering never
 * waits for the network. Results arrive on `onFrameObservable`.
 */
export interface FaceTracker {
  readonly solver: FaceSolver;
  /** A tracked frame (the solver's reused `FaceFrame`: copy what you keep). */
  readonly onFrameObservable: Observable<FaceFrame>;
  /** The face was lost (the next step runs the detector). */
  readonly onLostObservable: Observable<void>;
  /** A step failed for another reason than "no face" (e.g. a backend error). */
  readonly onErrorObservable: Observable<Error>;
  /** True while a face is tracked. */
  readonly tracking: boolean;
  /** True while a step is running. */
  readonly busy: boolean;
  /** The last tracked frame, or undefined when lost. */
  readonly latest: FaceFrame | undefined;
  readonly stats: Readonly<TrackerStats>;
  /**
   * Starts a tracking step on `input` unless one is running or (for a `<video>`) no new frame
   * has arrived. Returns true when a step started. Never blocks.
   */
  update(input: PrnetImageInput): boolean;
  /** Resolves when no step is running. */
  whenIdle(): Promise<void>;
  /** Calibrates on the last tracked face (relaxed, looking at the camera). False when none. */
  calibrate(): boolean;
  /** Forgets the tracked face (next step detects) and the filters' state. */
  reset(): void;
  /** Stops tracking and clears the observers. The prnet is the caller's. Safe twice. */
  dispose(): void;
}

export function createFaceTracker(config: FaceTrackerConfig): FaceTracker {
  const { prnet } = config;
  const solver = new FaceSolver(config.estimator, config.solver);
  const now = config.now ?? (() => performance.now());
  const redetectInterval = config.redetectInterval ?? FACE_TRACKER_DEFAULTS.redetectInterval;
  const minFaceSize = config.minFaceSize ?? FACE_TRACKER_DEFAULTS.minFaceSize;
  const onFrameObservable = new Observable<FaceFrame>();
  const onLostObservable = new Observable<void>();
  const onErrorObservable = new Observable<Error>();
  const stats: TrackerStats = { frames: 0, skipped: 0, detections: 0, lastLatencyMs: 0, meanLatencyMs: 0, fps: 0 };
  let box: Box | undefined;
  let lastFace: FaceReconstruction | undefined;
  let lastEyes: EyesObservation | undefined;
  let latest: FaceFrame | undefined;
  let running: Promise<void> | undefined;
  let sinceDetection = 0;
  let lastVideoTime = -1;
  let lastFrameAt = Number.NaN;
  let disposed = false;

  function lose(): void {
    const wasTracking = box !== undefined;
    box = undefined;
    latest = undefined;
    solver.resetFilters();
    if (wasTracking) onLostObservable.notifyObservers();
  }

  /** The next crop's box from a face: its landmark box, or undefined when it is unusable. */
  function nextBox(face: FaceReconstruction, width: number, height: number): Box | undefined {
    const b = boxOfPoints(face.landmarks68);
    const w = b[2] - b[0];
    const h = b[3] - b[1];
    if (!(w >= minFaceSize && h >= minFaceSize)) return undefined;
    // Mostly outside the image: lost.
    if (b[2] < w * 0.25 || b[3] < h * 0.25 || b[0] > width - w * 0.25 || b[1] > height - h * 0.25) return undefined;
    return b;
  }

  async function step(input: PrnetImageInput, started: number): Promise<void> {
    // With the iris stage the frame is read once and shared by the reconstruction and the eyes.
    const frame = config.irisLandmarker ? imageToTensor(input) : undefined;
    try {
      await stepOn(frame ?? input, frame, started);
    } finally {
      frame?.dispose();
    }
  }

  async function stepOn(input: PrnetImageInput, frame: Tensor3D | undefined, started: number): Promise<void> {
    const detect = box === undefined || (redetectInterval > 0 && sinceDetection >= redetectInterval);
    let face: FaceReconstruction;
    try {
      if (detect) stats.detections++;
      face = await prnet.reconstruct(input, detect ? {} : { box });
    } catch (error) {
      if (disposed) return;
      const code = (error as { code?: string }).code;
      if (code === 'NO_FACE' || code === 'INVALID_BOX') {
        lose();
        return;
      }
      lose();
      onErrorObservable.notifyObservers(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (disposed) return;
    sinceDetection = detect ? 0 : sinceDetection + 1;
    const { width, height } = imageSize(input);
    const next = nextBox(face, width, height);
    if (!next) {
      lose();
      return;
    }
    let eyes: EyesObservation | undefined;
    if (config.irisLandmarker && frame) {
      try {
        eyes = await config.irisLandmarker.estimate(frame, face.landmarks68);
      } catch (error) {
        // The face itself is fine: report, and solve this frame without eye measures.
        if (!disposed) onErrorObservable.notifyObservers(error instanceof Error ? error : new Error(String(error)));
      }
      if (disposed) return;
    }
    box = next;
    lastFace = face;
    lastEyes = eyes;
    const done = now();
    const latency = done - started;
    stats.frames++;
    stats.lastLatencyMs = latency;
    stats.meanLatencyMs = stats.frames === 1 ? latency : stats.meanLatencyMs * 0.9 + latency * 0.1;
    if (!Number.isNaN(lastFrameAt) && done > lastFrameAt) {
      const fps = 1000 / (done - lastFrameAt);
      stats.fps = stats.fps === 0 ? fps : stats.fps * 0.9 + fps * 0.1;
    }
    lastFrameAt = done;
    latest = solver.solve(face, started, latency, eyes);
    onFrameObservable.notifyObservers(latest);
  }

  const tracker: FaceTracker = {
    solver,
    onFrameObservable,
    onLostObservable,
    onErrorObservable,
    get tracking() {
      return box !== undefined;
    },
    get busy() {
      return running !== undefined;
    },
    get latest() {
      return latest;
    },
    stats,
    update(input) {
      if (disposed) throw new DisposedError('the face tracker');
      if (running) {
        stats.skipped++;
        return false;
      }
      const video = input as Partial<HTMLVideoElement>;
      if (typeof video.currentTime === 'number' && typeof video.readyState === 'number') {
        if (video.readyState < 2 || video.currentTime === lastVideoTime) return false;
        lastVideoTime = video.currentTime;
      }
      const started = now();
      running = step(input, started).finally(() => {
        running = undefined;
      });
      return true;
    },
    async whenIdle() {
      while (running) await running;
    },
    calibrate() {
      if (!lastFace || !box) return false;
      solver.calibrate(lastFace, lastEyes);
      return true;
    },
    reset() {
      box = undefined;
      latest = undefined;
      lastFace = undefined;
      lastEyes = undefined;
      solver.resetFilters();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      box = undefined;
      latest = undefined;
      onFrameObservable.clear();
      onLostObservable.clear();
      onErrorObservable.clear();
    },
  };
  return tracker;
}

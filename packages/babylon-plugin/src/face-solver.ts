import { anglesFromRotation, rotationFromAngles, type EyesObservation, type FaceReconstruction } from '@prnet/core';
import { ARKIT_COUNT, mirrorBlendshapes } from './arkit.js';
import type { BlendshapeEstimator } from './blendshape-estimator.js';
import { EyeBlendshapes, type EyeBlendshapeConfig } from './eye-blendshapes.js';
import { frameSigns, multiplyTransposed, quaternionFromMatrix, toAvatarFrame, type AvatarFacing } from './head-rotation.js';
import { OneEuroFilter, type OneEuroConfig } from './one-euro.js';

/**
 * What the tracker reports per frame. One object is reused for every frame (no per-frame
 * allocation): copy what you keep.
 */
export interface FaceFrame {
  /** Time of the video frame, ms (`performance.now()` clock unless the caller passes its own). */
  timestamp: number;
  /** Head angles after calibration, mirroring and filtering, degrees (AFLW2000-3D signs; mirrored: yaw and roll negated). */
  pitch: number;
  yaw: number;
  roll: number;
  /** [x, y, z, w] head rotation for a Babylon avatar facing the camera (see `head-rotation.ts`). */
  readonly headRotation: Float64Array;
  /** Float32Array(52) ARKit weights in `ARKIT_BLENDSHAPES` order, 0..1, filtered (and mirrored if set). */
  readonly blendshapes: Float32Array;
  /** The reconstruction this frame came from (landmarks, dense vertices, box, raw pose): image frame, unmirrored. */
  face: FaceReconstruction | undefined;
  /** Milliseconds from the start of the tracking step to the result. */
  latencyMs: number;
}

export interface FaceSolverConfig {
  /** Mirror the avatar (it moves like a reflection of the user). Default true. */
  mirror?: boolean;
  /** Which way the avatar faces at rest (see `head-rotation.ts`). Default 'negative-z'. */
  facing?: AvatarFacing;
  /** One Euro filter of the head angles (degrees). Default minCutoff 1 Hz, beta 0.05, dCutoff 1. */
  poseFilter?: OneEuroConfig;
  /** One Euro filter of the blendshape weights. Default minCutoff 2 Hz, beta 1, dCutoff 1. */
  blendshapeFilter?: OneEuroConfig;
  /** Filtering on. Default true. */
  smoothing?: boolean;
  /** How iris-landmarker eye measures become eye weights (used when frames come with eyes). */
  eyes?: EyeBlendshapeConfig;
}

export const FACE_SOLVER_DEFAULTS = {
  mirror: true,
  facing: 'negative-z' as AvatarFacing,
  poseFilter: { minCutoff: 1, beta: 0.05, derivativeCutoff: 1 },
  blendshapeFilter: { minCutoff: 2, beta: 1, derivativeCutoff: 1 },
  smoothing: true,
};

/**
 * Turns reconstructions into avatar parameters: neutral-face calibration (head rotation and
 * expression), mirroring, One Euro filtering. Pure (no Babylon, no tfjs), so it is unit-tested
 * in Node; the Babylon behaviours consume its `FaceFrame`s.
 */
export class FaceSolver {
  /** Mirror (see config). */
  mirror: boolean;
  /** Avatar facing (see config). */
  facing: AvatarFacing;
  readonly poseFilter: OneEuroFilter;
  readonly blendshapeFilter: OneEuroFilter;
  readonly frame: FaceFrame;
  private readonly neutralRotation = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  private readonly relative = new Float64Array(9);
  private readonly rebuilt = new Float64Array(9);
  private readonly avatar = new Float64Array(9);
  private readonly signs = new Float64Array(3);
  private readonly angles = new Float64Array(3);
  private readonly scratch = new Float32Array(ARKIT_COUNT);
  private lastTimestamp = Number.NaN;
  private headCalibrated = false;
  /** Eye weights from the iris landmarker, when `solve` gets eye measures. */
  readonly eyes: EyeBlendshapes;

  constructor(
    /** Blendshape estimator; without one the weights stay 0. */
    readonly estimator: BlendshapeEstimator | undefined,
    config: FaceSolverConfig = {},
  ) {
    this.mirror = config.mirror ?? FACE_SOLVER_DEFAULTS.mirror;
    this.facing = config.facing ?? FACE_SOLVER_DEFAULTS.facing;
    this.poseFilter = new OneEuroFilter(3, { ...FACE_SOLVER_DEFAULTS.poseFilter, ...config.poseFilter });
    this.blendshapeFilter = new OneEuroFilter(ARKIT_COUNT, { ...FACE_SOLVER_DEFAULTS.blendshapeFilter, ...config.blendshapeFilter });
    this.smoothing = config.smoothing ?? FACE_SOLVER_DEFAULTS.smoothing;
    this.eyes = new EyeBlendshapes(config.eyes);
    this.frame = {
      timestamp: 0,
      pitch: 0,
      yaw: 0,
      roll: 0,
      headRotation: new Float64Array([0, 0, 0, 1]),
      blendshapes: new Float32Array(ARKIT_COUNT),
      face: undefined,
      latencyMs: 0,
    };
  }

  /** Filtering on or off (both filters). */
  get smoothing(): boolean {
    return this.poseFilter.enabled;
  }
  set smoothing(on: boolean) {
    this.poseFilter.enabled = on;
    this.blendshapeFilter.enabled = on;
  }

  /** True after `calibrate()` (until `resetCalibration()`). */
  get calibrated(): boolean {
    return this.headCalibrated;
  }

  /**
   * Takes `face` as the neutral face: its head rotation becomes "straight ahead" and its
   * expression "relaxed" (and `eyes`, when given, the relaxed eyes looking at the camera). Look at
   * the camera with a relaxed face when calling it.
   */
  calibrate(face: FaceReconstruction, eyes?: EyesObservation): void {
    this.neutralRotation.set(face.pose.rotation);
    this.headCalibrated = true;
    this.estimator?.calibrate(face.vertices);
    if (eyes) this.eyes.calibrate(eyes);
    this.poseFilter.reset();
    this.blendshapeFilter.reset();
  }

  resetCalibration(): void {
    this.neutralRotation.set([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    this.headCalibrated = false;
    this.estimator?.resetCalibration();
    this.eyes.resetCalibration();
  }

  /** Forgets the filters' state (e.g. after the face was lost). */
  resetFilters(): void {
    this.poseFilter.reset();
    this.blendshapeFilter.reset();
    this.lastTimestamp = Number.NaN;
  }

  /**
   * Updates and returns `frame` from a reconstruction. @param timestamp ms. @param eyes the iris
   * landmarker's measures of this face: they then set the eye weights (blink, wide, look) instead
   * of the mesh fit.
   */
  solve(face: FaceReconstruction, timestamp: number, latencyMs = 0, eyes?: EyesObservation): FaceFrame {
    const frame = this.frame;
    const dt = Number.isNaN(this.lastTimestamp) ? 0 : (timestamp - this.lastTimestamp) / 1000;
    this.lastTimestamp = timestamp;
    // Head: rotation relative to the neutral one, as angles; mirrored; filtered.
    multiplyTransposed(face.pose.rotation, this.neutralRotation, this.relative);
    const a = anglesFromRotation(this.relative);
    const m = this.mirror ? -1 : 1;
    this.angles[0] = a.pitch;
    this.angles[1] = m * a.yaw;
    this.angles[2] = m * a.roll;
    this.poseFilter.filter(this.angles, dt);
    frame.pitch = this.angles[0];
    frame.yaw = this.angles[1];
    frame.roll = this.angles[2];
    // Rebuild the (unmirrored) camera-frame rotation from the filtered angles; frameSigns mirrors.
    rotationFromAngles(frame.pitch, m * frame.yaw, m * frame.roll, this.rebuilt);
    frameSigns({ mirror: this.mirror, facing: this.facing }, this.signs);
    toAvatarFrame(this.rebuilt, this.signs, this.avatar);
    quaternionFromMatrix(this.avatar, frame.headRotation);
    // Expression.
    if (this.estimator) this.estimator.estimate(face.vertices, frame.blendshapes);
    else frame.blendshapes.fill(0);
    if (eyes) this.eyes.apply(eyes, frame.blendshapes);
    if (this.estimator || eyes) {
      if (this.mirror) mirrorBlendshapes(frame.blendshapes, this.scratch);
      this.blendshapeFilter.filter(frame.blendshapes, dt);
    }
    frame.timestamp = timestamp;
    frame.face = face;
    frame.latencyMs = latencyMs;
    return frame;
  }
}

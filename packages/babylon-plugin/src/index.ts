/**
 * `@prnet/babylon-plugin` — drive Babylon.js avatars and a live 3D face mesh from a webcam with
 * `@prnet/core`. Importing this module does no work and registers nothing.
 *
 * Pieces, each usable alone: `createWebcamSource` (getUserMedia with clear error states),
 * `createFaceTracker` (detect, then track from the previous landmarks; skips frames, never queues),
 * `FaceSolver` (pose → head rotation, calibration, mirror, One Euro filtering),
 * `createBlendshapeEstimator` (52 ARKit weights from the dense mesh), `AvatarDriverBehavior`
 * (a Babylon `Behavior`: head/neck rotation and morph targets by ARKit / Perfect Sync / VRM names)
 * and `FaceMeshDisplay` (the reconstructed mesh, optionally textured from the webcam).
 */
export * from './errors.js';
export { ARKIT_BLENDSHAPES, ARKIT_COUNT, ARKIT_MIRROR, arkitIndex, mirrorBlendshapes, type ArkitBlendshape } from './arkit.js';
export { OneEuroFilter, ONE_EURO_DEFAULTS, type OneEuroConfig } from './one-euro.js';
export {
  BASIS_MAGIC,
  BASIS_VERSION,
  decodeBlendshapeBasis,
  encodeBlendshapeBasis,
  loadBlendshapeBasis,
  type BlendshapeBasis,
} from './blendshape-basis.js';
export {
  createBlendshapeEstimator,
  BLENDSHAPE_ESTIMATOR_DEFAULTS,
  type BlendshapeEstimator,
  type BlendshapeEstimatorConfig,
} from './blendshape-estimator.js';
export {
  createExpressionMapper,
  normaliseTargetName,
  DEFAULT_EXPRESSIONS,
  VRM0_EXPRESSIONS,
  VRM1_EXPRESSIONS,
  type ExpressionMapper,
  type ExpressionMapping,
  type TargetSource,
} from './expression-mapping.js';
export {
  frameSigns,
  multiplyTransposed,
  quaternionFromMatrix,
  toAvatarFrame,
  type AvatarFacing,
  type HeadRotationOptions,
} from './head-rotation.js';
export { FaceSolver, FACE_SOLVER_DEFAULTS, type FaceFrame, type FaceSolverConfig } from './face-solver.js';
export { EyeBlendshapes, EYE_BLENDSHAPE_DEFAULTS, type EyeBlendshapeConfig } from './eye-blendshapes.js';
export { createFaceTracker, FACE_TRACKER_DEFAULTS, type FaceTracker, type FaceTrackerConfig, type TrackerStats } from './face-tracker.js';
export { cameraErrorFrom, createWebcamSource, type WebcamConfig, type WebcamSource, type WebcamState } from './webcam-source.js';
export {
  AvatarDriverBehavior,
  AVATAR_DRIVER_DEFAULTS,
  type AvatarDriverConfig,
  type ExpressionBinds,
  type MorphBinding,
} from './avatar-driver.js';
export { FaceMeshDisplay, type FaceMeshConfig } from './face-mesh.js';
export { readGlbJson, readVrmExpressions } from './vrm.js';

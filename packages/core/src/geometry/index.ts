/**
 * Pure UV-map geometry over typed arrays (no tfjs): crop transforms, position-map lookups,
 * head pose, frontalisation, colours, textures, visibility, depth, OBJ/PLY export.
 * Browser- and Node-safe; `@prnet/core/geometry`.
 */
export * from './crop.js';
export { REFINE_MIN_TURN_DEGREES, uprightRotation } from './upright.js';
export { denseVertices, landmarks68, vertexUvs } from './extract.js';
export {
  LANDMARK68_MIRROR,
  blendLandmarkPixels,
  createProfileLandmarks,
  mirrorLandmarkPixels,
  profileBlendWeight,
  yawAwareLandmarks68,
  type ProfileLandmarks,
} from './profile-landmarks.js';
export {
  anglesFromRotation,
  multiply3,
  rotationDistanceDegrees,
  rotationFromAngles,
  transpose3,
  type PoseAngles,
} from './euler-angles.js';
export { fitSimilarity, quaternionToMatrix, type Similarity } from './procrustes.js';
export {
  IMPLAUSIBLE_POSE_RESIDUAL_CM,
  MODEL_FRONTAL_PITCH_DEGREES,
  estimatePose,
  estimatePoseFromPoints,
  poseResidualCm,
  type HeadPose,
  type PointPoseOptions,
  type PoseOptions,
} from './pose.js';
export { frontalise } from './frontalise.js';
export { assertImage, sampleBilinear, sampleColors } from './sample-colors.js';
export { uvTexture, type UvTextureOptions } from './uv-texture.js';
export { isFrontFacing, rasterizeDepth, type RasterOptions } from './rasterize.js';
export { vertexVisibility, type VisibilityOptions } from './visibility.js';
export { depthImage, type DepthImage } from './depth-image.js';
export { fromExportFrame, toExportFrame, OBJ_INDEX_BASE, type MeshFrame } from './export-frame.js';
export { assertMesh, type Mesh } from './mesh.js';
export { parseObj, toObj, type ObjFiles, type ObjOptions, type ParseObjOptions } from './obj.js';
export { toPly, type PlyOptions } from './ply.js';

import type { Box, CropTransform } from './geometry/crop.js';
import type { HeadPose } from './geometry/pose.js';

/**
 * One reconstructed face, as plain data in the image frame (x right, y down, z towards the
 * viewer, pixels of the input image; see `conventions.ts`).
 */
export interface FaceReconstruction {
  /** The tight 68-landmark face box the crop was built from (given, or derived from the detector). */
  readonly box: Box;
  /**
   * The crop used for the network; `cropToImagePoints(crop, …)` maps crop-frame points back. With
   * `refine`, the first pass's crop (the second is the same crop turned upright).
   */
  readonly crop: CropTransform;
  /** Detector confidence in [0, 1] when the box came from the detector, else undefined. */
  readonly detectionScore?: number;
  /** [R*R*3] the position map in the image frame; zeros outside `layout.mask`. */
  readonly positionMap: Float32Array;
  /** Side R of the position map. */
  readonly resolution: number;
  /** [68*3] the 68 Multi-PIE landmarks (3D, jawline on the 3D contour). */
  readonly landmarks68: Float32Array;
  /** [N*3] the dense vertices (one per `layout.vertexPixels` entry); triangles are `layout.triangles`. */
  readonly vertices: Float32Array;
  /** Head pose (rotation, pitch/yaw/roll in degrees in AFLW2000-3D's convention, scale, translation). */
  readonly pose: HeadPose;
}

/**
 * The UV layout: everything about our UV space that does not depend on a particular face.
 *
 * It is produced by the trainer's `prnet-train uv-layout` tool, which rasterises the face
 * area (polygons 0–9229) of the ICT Face Model at its UVs, and is shipped in core as a small
 * binary asset (`assets/uv-layout-<R>.bin`, see `uv/layout-codec.ts`).
 *
 * Pixel conventions (see `conventions.ts`): a position map is R×R, row-major, row 0 at the top
 * of the UV image (v = 1), column 0 at u = 0. Pixel (row r, col c) samples the UV point
 * u = (c + 0.5) / R, v = 1 − (r + 0.5) / R. A pixel index is `r * R + c`.
 */
export interface UvLayout {
  /** Side length R of the position map in pixels (e.g. 256 for resfcn256, 128 for the light net). */
  readonly resolution: number;
  /** [R*R] 1 where the face surface covers the pixel centre, 0 elsewhere. */
  readonly mask: Uint8Array;
  /**
   * Pixel indices of the dense vertices, ascending: exactly the pixels with mask = 1.
   * Dense vertex k lives at pixel `vertexPixels[k]`.
   */
  readonly vertexPixels: Uint32Array;
  /**
   * Grid triangulation of the mask: 3 dense-vertex indices (into `vertexPixels`) per triangle,
   * counter-clockwise when seen from the front of the face (outward normal towards the viewer
   * in the model frame). Eye and mouth slits are left open.
   */
  readonly triangles: Uint32Array;
  /** [68] pixel indices of the 68 Multi-PIE landmarks (0-based Multi-PIE order). */
  readonly landmarkPixels: Uint32Array;
  /** [R*R] PRNet loss weights: 16 at the 68 landmark pixels, 4 eyes/nose/mouth, 3 rest of the face, 0 outside. */
  readonly weightMask: Float32Array;
  /**
   * [R*R] region labels: 0 outside, 1 face, 2 image-left eye (subject's right), 3 image-right eye,
   * 4 nose, 5 mouth. Used for the weight mask and for region-based measurements.
   */
  readonly regions: Uint8Array;
  /**
   * [R*R*3] the mean (neutral) face as a position map in the canonical model frame:
   * centimetres, x to the viewer's right, y up, z out of the face (towards a frontal camera).
   * Zero outside the mask. Used for pose estimation and frontalisation.
   */
  readonly meanFace: Float32Array;
}

/** Region label values used in `UvLayout.regions`. */
export const REGION = {
  OUTSIDE: 0,
  FACE: 1,
  EYE_IMAGE_LEFT: 2,
  EYE_IMAGE_RIGHT: 3,
  NOSE: 4,
  MOUTH: 5,
} as const;

/** PRNet's loss weights by region. */
export const WEIGHT = {
  LANDMARK: 16,
  EYES_NOSE_MOUTH: 4,
  FACE: 3,
  OUTSIDE: 0,
} as const;

import { boxOfPoints, cropFromBox, imageToCropPoints, type CropTransform } from './core-deps.js';

/** The part of the UV rasteriser (`uv-layout/uv-rasteriser.ts`) that turns a mesh into a position map. */
export interface PositionMapSource {
  /** [V*3] ICT mesh positions (any frame) → [R*R*3] position map, 0 outside the face mask. */
  positionMap(vertices: Float32Array, out?: Float32Array): Float32Array;
}

/**
 * PRNet's training crop of a rendered face: centred on the tight box of the 68 landmarks,
 * side `CROP_SCALE` × its mean side (core `cropFromBox`).
 */
export function landmarkCrop(landmarks68: Float32Array, inputSize: number): CropTransform {
  return cropFromBox(boxOfPoints(landmarks68), inputSize);
}

/**
 * The position-map label of a rendered face for a crop: its image-frame vertices mapped into
 * the crop frame (`imageToCropPoints`: crop pixels, z = scale·z + inputSize/2), rasterised at the
 * UV layout. Returns [R*R*3] (crop pixels), 0 outside the mask.
 */
export function positionMapLabel(
  face: { readonly vertices: Float32Array },
  crop: CropTransform,
  uv: PositionMapSource,
  out?: Float32Array,
): Float32Array {
  return uv.positionMap(imageToCropPoints(crop, face.vertices), out);
}

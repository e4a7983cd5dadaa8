/**
 * Every coordinate convention of the package, in one place.
 *
 * Image frame — x to the right, y down, in pixels; the continuous coordinate of the top-left
 * corner of the image is (0, 0) and the centre of pixel (col c, row r) is (c + 0.5, r + 0.5).
 * z points towards the viewer (larger = closer to the camera), in the same pixel scale as x, y;
 * its zero is arbitrary (the face centroid lies near 0 after un-cropping). This is the frame of
 * AFLW2000-3D's `pt3d_68` and of every landmark, vertex and mesh this package returns.
 *
 * Crop frame — the same axes, in pixels of the network input crop of side `inputSize`.
 *
 * Model (canonical) frame — the ICT face model's: centimetres, x to the viewer's right for a
 * frontal face, y up, z out of the face. Image frame = model frame with y flipped (and scaled,
 * rotated, translated), so the model frame is right-handed and the image frame left-handed.
 *
 * UV / position-map frame — R×R pixels, row 0 at v = 1 (top), see `uv/layout.ts`.
 *
 * Network output — sigmoid activations p ∈ [0, 1]; the position in crop pixels is
 * p × inputSize × OUTPUT_SCALE − inputSize × OUTPUT_OFFSET, i.e. p spans [−0.25, 1.25] × inputSize.
 * PRNet used ×1.1 with no offset (room for overflow at the bottom/right only); our UV face area
 * (the ICT model's, forehead to under the chin) reaches past the 1.6× crop on every side for a
 * frontal mean face (y from −6 % to 119 % of the crop), so the range has margins on both ends.
 * Models store their own values in their metadata (`outputScale`, `outputOffset`).
 * Training labels put the face's mean depth at z = inputSize / 2 in the crop frame.
 */
export const OUTPUT_SCALE = 1.5;

/** See `OUTPUT_SCALE`: the offset, as a fraction of inputSize, subtracted from p × S × scale. */
export const OUTPUT_OFFSET = 0.25;

/** Crop-frame position of sigmoid output p for an input side S (see `OUTPUT_SCALE`). */
export function positionFromSigmoid(p: number, inputSize: number, scale = OUTPUT_SCALE, offset = OUTPUT_OFFSET): number {
  return inputSize * (p * scale - offset);
}

/** The sigmoid target for a crop-frame position (inverse of `positionFromSigmoid`). */
export function sigmoidFromPosition(x: number, inputSize: number, scale = OUTPUT_SCALE, offset = OUTPUT_OFFSET): number {
  return (x / inputSize + offset) / scale;
}

/**
 * PRNet's crop: the square crop is centred on the face box and its side is this multiple of the
 * box's mean side ((w + h) / 2). Training data and inference must use the same value.
 */
export const CROP_SCALE = 1.6;

/** Depth offset (as a fraction of the crop side) of the face's mean depth in the crop frame. */
export const CROP_DEPTH_CENTRE = 0.5;

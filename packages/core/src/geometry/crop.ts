import { CROP_DEPTH_CENTRE, CROP_SCALE } from '../conventions.js';
import { InvalidBoxError } from '../errors.js';

/** An axis-aligned box in image pixels: left, top, right, bottom (continuous coordinates). */
export type Box = readonly [x0: number, y0: number, x1: number, y1: number];

/**
 * The similarity transform from image pixels to network-input crop pixels, applied before the
 * network and inverted after it:
 *
 *   crop = scale · Rot(rotation) · (image − centre) + inputSize / 2
 *   z_crop = scale · z_image + inputSize · CROP_DEPTH_CENTRE
 *
 * A plain, immutable value; build one with `cropFromBox` or `cropFromCentre`.
 */
export interface CropTransform {
  /** Centre of the crop in image pixels. */
  readonly centreX: number;
  readonly centreY: number;
  /** Side of the square crop region in image pixels. */
  readonly size: number;
  /** In-plane rotation of the crop in radians (positive = crop axes rotated clockwise on screen). 0 for box crops. */
  readonly rotation: number;
  /** Side of the network input in crop pixels (e.g. 256). */
  readonly inputSize: number;
}

export interface CropOptions {
  /** Crop side as a multiple of the box's mean side (w + h) / 2. Default `CROP_SCALE` (1.6). */
  cropScale?: number;
  /** In-plane rotation in radians. Default 0. */
  rotation?: number;
  /** Vertical shift of the centre as a fraction of the box's mean side (detector boxes). Default 0. */
  centreShiftY?: number;
}

/** Throws `InvalidBoxError` unless the box is finite with positive width and height. */
export function validateBox(box: Box, imageWidth?: number, imageHeight?: number): void {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new InvalidBoxError(`a box is [x0, y0, x1, y1] with four finite numbers, got ${JSON.stringify(box)}`);
  }
  const [x0, y0, x1, y1] = box;
  if (!(x1 > x0) || !(y1 > y0)) {
    throw new InvalidBoxError(`box [${box.join(', ')}] has zero or negative size (needs x1 > x0 and y1 > y0)`);
  }
  if (imageWidth !== undefined && imageHeight !== undefined) {
    if (x1 <= 0 || y1 <= 0 || x0 >= imageWidth || y0 >= imageHeight) {
      throw new InvalidBoxError(
        `box [${box.join(', ')}] lies outside the ${imageWidth}×${imageHeight} image`,
      );
    }
  }
}

/** PRNet's crop of a face box: centred on the box, side = cropScale × (w + h) / 2. */
export function cropFromBox(box: Box, inputSize: number, options: CropOptions = {}): CropTransform {
  validateBox(box);
  const [x0, y0, x1, y1] = box;
  const meanSide = (x1 - x0 + (y1 - y0)) / 2;
  return cropFromCentre(
    (x0 + x1) / 2,
    (y0 + y1) / 2 + (options.centreShiftY ?? 0) * meanSide,
    meanSide * (options.cropScale ?? CROP_SCALE),
    inputSize,
    options.rotation ?? 0,
  );
}

export function cropFromCentre(
  centreX: number,
  centreY: number,
  size: number,
  inputSize: number,
  rotation = 0,
): CropTransform {
  if (!(size > 0) || !Number.isFinite(size)) throw new InvalidBoxError(`crop size must be positive, got ${size}`);
  if (!(inputSize > 0)) throw new InvalidBoxError(`inputSize must be positive, got ${inputSize}`);
  return { centreX, centreY, size, rotation, inputSize };
}

/** Image pixels → crop pixels per image pixel. */
export function cropScaleOf(t: CropTransform): number {
  return t.inputSize / t.size;
}

/**
 * The 2×3 affine matrix [a, b, c, d, e, f] with crop = (a·x + b·y + c, d·x + e·y + f).
 */
export function imageToCropMatrix(t: CropTransform): [number, number, number, number, number, number] {
  const s = cropScaleOf(t);
  const cos = Math.cos(t.rotation) * s;
  const sin = Math.sin(t.rotation) * s;
  const h = t.inputSize / 2;
  // Rot(θ) = [[cos, sin], [−sin, cos]] (clockwise on screen for y-down axes)
  return [cos, sin, h - cos * t.centreX - sin * t.centreY, -sin, cos, h + sin * t.centreX - cos * t.centreY];
}

/** The inverse matrix: image = (a·u + b·v + c, d·u + e·v + f) for crop point (u, v). */
export function cropToImageMatrix(t: CropTransform): [number, number, number, number, number, number] {
  const inv = 1 / cropScaleOf(t);
  const cos = Math.cos(t.rotation) * inv;
  const sin = Math.sin(t.rotation) * inv;
  const h = t.inputSize / 2;
  return [cos, -sin, t.centreX - cos * h + sin * h, sin, cos, t.centreY - sin * h - cos * h];
}

/**
 * Maps xyz points (flat, 3 per point) from the crop frame to the image frame.
 * Writes into `out` (may be the input) and returns it.
 */
export function cropToImagePoints(t: CropTransform, points: ArrayLike<number>, out?: Float32Array): Float32Array {
  const result = out ?? new Float32Array(points.length);
  const [a, b, c, d, e, f] = cropToImageMatrix(t);
  const inv = 1 / cropScaleOf(t);
  const z0 = t.inputSize * CROP_DEPTH_CENTRE;
  for (let i = 0; i + 2 < points.length; i += 3) {
    const u = points[i];
    const v = points[i + 1];
    const z = points[i + 2];
    result[i] = a * u + b * v + c;
    result[i + 1] = d * u + e * v + f;
    result[i + 2] = (z - z0) * inv;
  }
  return result;
}

/** Maps xyz points (flat, 3 per point) from the image frame to the crop frame. */
export function imageToCropPoints(t: CropTransform, points: ArrayLike<number>, out?: Float32Array): Float32Array {
  const result = out ?? new Float32Array(points.length);
  const [a, b, c, d, e, f] = imageToCropMatrix(t);
  const s = cropScaleOf(t);
  const z0 = t.inputSize * CROP_DEPTH_CENTRE;
  for (let i = 0; i + 2 < points.length; i += 3) {
    const x = points[i];
    const y = points[i + 1];
    const z = points[i + 2];
    result[i] = a * x + b * y + c;
    result[i + 1] = d * x + e * y + f;
    result[i + 2] = z * s + z0;
  }
  return result;
}

/** The tight box [x0, y0, x1, y1] of xy(z) points (flat, `stride` numbers per point). */
export function boxOfPoints(points: ArrayLike<number>, stride = 3): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += stride) {
    const x = points[i];
    const y = points[i + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

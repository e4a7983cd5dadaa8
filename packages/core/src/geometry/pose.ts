import { InvalidArgumentError } from '../errors.js';
import type { UvLayout } from '../uv/layout.js';
import { anglesFromRotation, multiply3, rotationFromAngles } from './euler-angles.js';
import { fitSimilarity } from './procrustes.js';

/**
 * The pitch (degrees, `euler-angles.ts` convention) that AFLW2000-3D annotates for a face whose
 * ICT model frame is aligned with the camera: the ICT head frame is tilted by this much against
 * the 3DMM frame of AFLW2000-3D's `Pose_Para`. Calibrated on the 200 AFLW2000-3D dev samples by
 * fitting the ICT neutral landmarks to `pt3d_68` (mean rotation offset 3.57° about x, < 0.15°
 * about y and z); it lowers the pitch MAE of those fits from 4.6° to 1.6°.
 */
export const MODEL_FRONTAL_PITCH_DEGREES = 3.6;

/**
 * A head pose: the similarity that places the model frame (`UvLayout.meanFace`: cm, y up, z out
 * of the face) in the image frame (pixels, y down, z towards the viewer):
 *
 *   image ≈ F · (scale · modelRotation · model) + translation,   F = diag(1, −1, 1)
 */
export interface HeadPose {
  /**
   * Row-major 3×3 head rotation in AFLW2000-3D's convention: exactly
   * `rotationFromAngles(pitch, yaw, roll)` (model-to-camera, y-up camera frame).
   */
  readonly rotation: Float64Array;
  /** Row-major 3×3 rotation of the model frame into the y-up camera frame (x, −y, z of the image). */
  readonly modelRotation: Float64Array;
  /** Image pixels per model centimetre. */
  readonly scale: number;
  /** [3] image-frame position (pixels) of the model origin. */
  readonly translation: Float64Array;
  /** Degrees, AFLW2000-3D `Pose_Para` convention (see `euler-angles.ts`): > 0 = nose up. */
  readonly pitch: number;
  /** Degrees, > 0 = nose towards image left. */
  readonly yaw: number;
  /** Degrees, > 0 = top of the head towards image right. */
  readonly roll: number;
  /** Weighted RMS residual of the fit in image pixels (the model's shape error plus noise). */
  readonly rms: number;
}

/**
 * A pose fit's RMS residual in the model's centimetres (`rms / scale`): the shape error of the
 * reading against the mean face, independent of the face's size in the image.
 */
export function poseResidualCm(pose: Pick<HeadPose, 'rms' | 'scale'>): number {
  return pose.rms / pose.scale;
}

/**
 * The residual (model centimetres, `poseResidualCm`) above which a reading does not fit a face:
 * `createPrnet`'s roll-recovery default and the PRNet labelling teacher's plausibility cut
 * (MODEL_CARD.md: 2 of the 200 AFLW2000-3D dev faces exceed it with the default model).
 */
export const IMPLAUSIBLE_POSE_RESIDUAL_CM = 1.3;

export interface PoseOptions {
  /**
   * The pitch that a model frame aligned with the camera is reported with (degrees). Default
   * `MODEL_FRONTAL_PITCH_DEGREES` (matches AFLW2000-3D for the ICT model); 0 reports the raw
   * model-frame rotation.
   */
  referencePitchDegrees?: number;
}

export interface PointPoseOptions extends PoseOptions {
  /** One non-negative weight per point. Default all 1. */
  weights?: ArrayLike<number>;
}

/**
 * Head pose from corresponding points: a weighted similarity (Umeyama/Horn) from `modelPoints`
 * (model frame, cm, y up) to `imagePoints` (image frame, pixels, y down; y is flipped first so the
 * fit is a proper rotation).
 * @param modelPoints flat xyz, n points. @param imagePoints flat xyz, n points.
 */
export function estimatePoseFromPoints(
  modelPoints: ArrayLike<number>,
  imagePoints: ArrayLike<number>,
  options: PointPoseOptions = {},
): HeadPose {
  const target = new Float64Array(imagePoints.length);
  for (let i = 0; i < imagePoints.length; i += 3) {
    target[i] = imagePoints[i];
    target[i + 1] = -imagePoints[i + 1];
    target[i + 2] = imagePoints[i + 2];
  }
  const fit = fitSimilarity(modelPoints, target, options.weights);
  const reference = rotationFromAngles(options.referencePitchDegrees ?? MODEL_FRONTAL_PITCH_DEGREES, 0, 0);
  const rotation = multiply3(fit.rotation, reference);
  const angles = anglesFromRotation(rotation);
  return {
    rotation: rotationFromAngles(angles.pitch, angles.yaw, angles.roll),
    modelRotation: fit.rotation,
    scale: fit.scale,
    translation: new Float64Array([fit.translation[0], -fit.translation[1], fit.translation[2]]),
    pitch: angles.pitch,
    yaw: angles.yaw,
    roll: angles.roll,
    rms: fit.rms,
  };
}

/** Per-layout point subset used by `estimatePose`. */
interface PoseSubset {
  /** Pixel index of each subset point. */
  readonly pixels: Uint32Array;
  /** Dense-vertex index of each subset point. */
  readonly vertices: Uint32Array;
  /** [n*3] meanFace at the subset. */
  readonly model: Float64Array;
  /** [n] weights (layout.weightMask). */
  readonly weights: Float64Array;
}

const SUBSETS = new WeakMap<UvLayout, PoseSubset>();

/** About this many grid points per side of the UV square take part in the pose fit. */
const SUBSET_GRID = 40;

/**
 * The fixed pose-fit subset of a layout (cached per layout object): the mask pixels on a regular
 * UV grid of about SUBSET_GRID² cells plus the 68 landmark pixels, weighted by `weightMask`.
 */
export function poseSubset(layout: UvLayout): PoseSubset {
  const cached = SUBSETS.get(layout);
  if (cached) return cached;
  const R = layout.resolution;
  const step = Math.max(1, Math.round(R / SUBSET_GRID));
  const offset = Math.floor(step / 2);
  const vertexOf = new Int32Array(R * R).fill(-1);
  for (let k = 0; k < layout.vertexPixels.length; k++) vertexOf[layout.vertexPixels[k]] = k;
  const chosen = new Set<number>();
  for (let r = offset; r < R; r += step) {
    for (let c = offset; c < R; c += step) {
      const p = r * R + c;
      if (layout.mask[p] && vertexOf[p] >= 0) chosen.add(p);
    }
  }
  for (const p of layout.landmarkPixels) if (vertexOf[p] >= 0) chosen.add(p);
  const pixels = Uint32Array.from([...chosen].sort((a, b) => a - b));
  const n = pixels.length;
  if (n < 3) throw new InvalidArgumentError(`layout has too few face pixels (${n}) for a pose fit`);
  const vertices = new Uint32Array(n);
  const model = new Float64Array(n * 3);
  const weights = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const p = pixels[k];
    vertices[k] = vertexOf[p];
    model[3 * k] = layout.meanFace[3 * p];
    model[3 * k + 1] = layout.meanFace[3 * p + 1];
    model[3 * k + 2] = layout.meanFace[3 * p + 2];
    weights[k] = layout.weightMask[p] > 0 ? layout.weightMask[p] : 1;
  }
  const subset = { pixels, vertices, model, weights };
  SUBSETS.set(layout, subset);
  return subset;
}

/**
 * Head pose of a predicted face: a weighted similarity fit of `layout.meanFace` to the surface
 * over a fixed, well-spread subset of about 1,000–2,000 face points (a ~40×40 UV grid plus
 * the 68 landmarks, weighted by `weightMask`; computed once per layout object).
 * @param surface either the [R*R*3] position map or the [N*3] dense vertices, image frame.
 */
export function estimatePose(surface: Float32Array, layout: UvLayout, options: PoseOptions = {}): HeadPose {
  const R = layout.resolution;
  const N = layout.vertexPixels.length;
  const subset = poseSubset(layout);
  let lookup: Uint32Array;
  if (surface.length === R * R * 3) lookup = subset.pixels;
  else if (surface.length === N * 3) lookup = subset.vertices;
  else {
    throw new InvalidArgumentError(
      `estimatePose needs a ${R}×${R}×3 position map (${R * R * 3} values) or ${N} dense vertices (${N * 3}), got ${surface.length}`,
    );
  }
  const n = lookup.length;
  const image = new Float64Array(n * 3);
  for (let k = 0; k < n; k++) {
    const i = lookup[k] * 3;
    image[3 * k] = surface[i];
    image[3 * k + 1] = surface[i + 1];
    image[3 * k + 2] = surface[i + 2];
  }
  return estimatePoseFromPoints(subset.model, image, { ...options, weights: subset.weights });
}

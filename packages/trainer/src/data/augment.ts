import * as tf from '@tensorflow/tfjs-core';
import {
  boxOfPoints,
  cropFromBox,
  cropFromCentre,
  cropToTensor,
  imageToCropPoints,
  InvalidArgumentError,
  positionFromSigmoid,
  sigmoidFromPosition,
  type CropTransform,
} from '@prnet/core';
import { createRng, type Rng } from '../render/procedural.js';
import type { Sample } from './sample.js';

const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** PRNet's training augmentation; every range is sampled uniformly per sample. */
export interface AugmentOptions {
  /** In-plane rotation range ±degrees. [45] */
  readonly rotationDeg?: number;
  /** Crop-centre shift range ± as a fraction of the crop side, per axis. [0.1] */
  readonly translate?: number;
  /** Crop-side multiplier range (> 1 makes the face smaller). [[0.9, 1.2]] */
  readonly scale?: readonly [number, number];
  /** Per-channel colour gain range. [[0.6, 1.4]] */
  readonly colour?: readonly [number, number];
  /** Probability of a synthetic occluder (a noise or solid rectangle over part of the face). [0.3] */
  readonly occlusion?: number;
}

export interface TrainingBatchOptions {
  /** Network input side S in pixels. [128] */
  readonly inputSize?: number;
  /** Random source, or a seed for one. [seed 0] */
  readonly rng?: Rng | number;
  /** Augmentation; `false` (or omitted fields set to neutral values) gives PRNet's exact crop. [defaults above] */
  readonly augment?: AugmentOptions | false;
}

export interface TrainingBatch {
  /** [N, S, S, 3] float32 crops in [0, 1]. The caller disposes. */
  readonly images: tf.Tensor4D;
  /**
   * [N, R, R, 3] float32 targets in the network's sigmoid output space: core's
   * `sigmoidFromPosition(crop-frame position, S)` per coordinate, i.e. (x / S + OUTPUT_OFFSET) /
   * OUTPUT_SCALE. 0 outside the UV mask (where the loss weight is 0). The caller disposes.
   */
  readonly targets: tf.Tensor4D;
  /** The crop used for each sample (image frame → crop frame). */
  readonly crops: readonly CropTransform[];
}

/** Largest number of perturbations tried per sample before falling back to the plain crop. */
const MAX_TRIES = 12;

/** True when every landmark lies in [0, S]² of the crop. */
function landmarksInside(crop: CropTransform, sample: Sample): boolean {
  const S = crop.inputSize;
  const lm = imageToCropPoints(crop, sample.landmarks68);
  for (let i = 0; i < 68; i++) {
    const x = lm[i * 3];
    const y = lm[i * 3 + 1];
    if (!(x >= 0 && x <= S && y >= 0 && y <= S)) return false;
  }
  return true;
}

/**
 * How far (crop pixels) the position map's (x, y) reaches outside the network's output range
 * [positionFromSigmoid(0), positionFromSigmoid(1)] = [−0.25 S, 1.25 S]; 0 when it lies inside.
 */
export function positionMapOvershoot(crop: CropTransform, positionMap: Float32Array): number {
  const lo = positionFromSigmoid(0, crop.inputSize);
  const hi = positionFromSigmoid(1, crop.inputSize);
  const [a, b, c, d, e, f] = affineOf(crop);
  let worst = 0;
  for (let p = 0; p < positionMap.length; p += 3) {
    const x = positionMap[p];
    const y = positionMap[p + 1];
    if (x === 0 && y === 0 && positionMap[p + 2] === 0) continue;
    const u = a * x + b * y + c;
    const v = d * x + e * y + f;
    worst = Math.max(worst, lo - u, lo - v, u - hi, v - hi);
  }
  return worst;
}

/** The image → crop affine (x, y only) via a two-point probe of `imageToCropPoints`. */
function affineOf(crop: CropTransform): [number, number, number, number, number, number] {
  const q = imageToCropPoints(crop, [0, 0, 0, 1, 0, 0, 0, 1, 0]);
  return [q[3] - q[0], q[6] - q[0], q[0], q[4] - q[1], q[7] - q[1], q[1]];
}


/**
 * PRNet's crop of a sample (`cropFromBox` of its 68-landmark box) with a random similarity
 * perturbation composed: rotation ±rotationDeg about the crop centre, centre shift ±translate ×
 * crop side, crop side × U(scale). A perturbation is redrawn (up to 12 times, then the plain crop
 * is used) when it puts a landmark outside the crop or pushes the position map further outside the
 * network's output range (`positionMapOvershoot`) than the plain crop does.
 */
export function augmentedCrop(sample: Sample, inputSize: number, rng: Rng, augment: AugmentOptions = {}): CropTransform {
  const base = cropFromBox(boxOfPoints(sample.landmarks68), inputSize);
  const maxRotation = ((augment.rotationDeg ?? 45) * Math.PI) / 180;
  const translate = augment.translate ?? 0.1;
  const [s0, s1] = augment.scale ?? [0.9, 1.2];
  const allowed = positionMapOvershoot(base, sample.positionMap);
  for (let t = 0; t < MAX_TRIES; t++) {
    const rotation = (2 * rng() - 1) * maxRotation;
    const size = base.size * (s0 + (s1 - s0) * rng());
    const cx = base.centreX + (2 * rng() - 1) * translate * base.size;
    const cy = base.centreY + (2 * rng() - 1) * translate * base.size;
    const crop = cropFromCentre(cx, cy, size, inputSize, rotation);
    if (landmarksInside(crop, sample) && positionMapOvershoot(crop, sample.positionMap) <= allowed) return crop;
  }
  return base;
}

/** Fills an occluder into `mask` ([S*S], 1 = occluded) and `fill` ([S*S*3], values 0..1). */
function drawOccluder(rng: Rng, S: number, landmarksCrop: Float32Array, mask: Float32Array, fill: Float32Array): void {
  const k = Math.floor(rng() * 68);
  const cx = landmarksCrop[k * 3];
  const cy = landmarksCrop[k * 3 + 1];
  const w = S * (0.15 + 0.35 * rng());
  const h = S * (0.15 + 0.35 * rng());
  const x0 = Math.max(0, Math.round(cx - w / 2));
  const x1 = Math.min(S, Math.round(cx + w / 2));
  const y0 = Math.max(0, Math.round(cy - h / 2));
  const y1 = Math.min(S, Math.round(cy + h / 2));
  const noise = rng() < 0.5;
  const colour = [rng(), rng(), rng()];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = y * S + x;
      mask[p] = 1;
      for (let c = 0; c < 3; c++) fill[p * 3 + c] = noise ? rng() : colour[c];
    }
  }
}

/**
 * Builds one training batch from samples: crops (PRNet's landmark-box crop, optionally perturbed),
 * the crop-frame position-map targets, colour gains and synthetic occluders.
 * With `augment: false` the batch is exactly PRNet's crop: `cropFromBox(boxOfPoints(landmarks68), S)`,
 * images via core's `cropToTensor`, targets `sigmoidFromPosition(imageToCropPoints(crop, positionMap), S)`.
 */
export function makeTrainingBatch(samples: readonly Sample[], options: TrainingBatchOptions = {}): TrainingBatch {
  if (samples.length === 0) throw new InvalidArgumentError('makeTrainingBatch needs at least one sample');
  const S = options.inputSize ?? 128;
  if (!Number.isInteger(S) || S < 8) throw new InvalidArgumentError(`inputSize must be an integer ≥ 8, got ${S}`);
  const rng: Rng = typeof options.rng === 'function' ? options.rng : createRng(options.rng ?? 0);
  const augment = options.augment === false ? undefined : (options.augment ?? {});
  const N = samples.length;
  const R2 = samples[0].positionMap.length / 3;
  const R = Math.round(Math.sqrt(R2));
  if (R * R !== R2) throw new InvalidArgumentError(`position map of ${R2} pixels is not square`);

  const crops: CropTransform[] = [];
  const targets = new Float32Array(N * R2 * 3);
  const gains = new Float32Array(N * 3).fill(1);
  let occlusionMask: Float32Array | undefined;
  let occlusionFill: Float32Array | undefined;
  samples.forEach((sample, n) => {
    if (sample.positionMap.length !== R2 * 3) throw new InvalidArgumentError('all samples of a batch need the same UV resolution');
    const crop = augment ? augmentedCrop(sample, S, rng, augment) : cropFromBox(boxOfPoints(sample.landmarks68), S);
    crops.push(crop);
    const inCrop = imageToCropPoints(crop, sample.positionMap);
    const pm = sample.positionMap;
    for (let i = 0; i < R2 * 3; i += 3) {
      if (pm[i] === 0 && pm[i + 1] === 0 && pm[i + 2] === 0) continue; // outside the mask: target 0
      // Clipped to the sigmoid's range: at large poses parts of the ICT face area (hairline,
      // neck, far ear) fall past the output range; unclipped targets there would only push the
      // logits towards saturation.
      targets[n * R2 * 3 + i] = clip01(sigmoidFromPosition(inCrop[i], S));
      targets[n * R2 * 3 + i + 1] = clip01(sigmoidFromPosition(inCrop[i + 1], S));
      targets[n * R2 * 3 + i + 2] = clip01(sigmoidFromPosition(inCrop[i + 2], S));
    }
    if (!augment) return;
    const [g0, g1] = augment.colour ?? [0.6, 1.4];
    for (let c = 0; c < 3; c++) gains[n * 3 + c] = g0 + (g1 - g0) * rng();
    if (rng() < (augment.occlusion ?? 0.3)) {
      occlusionMask ??= new Float32Array(N * S * S);
      occlusionFill ??= new Float32Array(N * S * S * 3);
      drawOccluder(
        rng,
        S,
        imageToCropPoints(crop, sample.landmarks68),
        occlusionMask.subarray(n * S * S, (n + 1) * S * S),
        occlusionFill.subarray(n * S * S * 3, (n + 1) * S * S * 3),
      );
    }
  });

  const cropped = tf.tidy(() => {
    const parts = samples.map((sample, n) => {
      const { width, height, channels, data } = sample.image;
      if (channels !== 3) throw new InvalidArgumentError(`samples must be RGB, got ${channels} channels`);
      const image = tf.tensor3d(Float32Array.from(data), [height, width, 3], 'float32');
      return cropToTensor(image, [crops[n]]);
    });
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor4D);
  });
  let images: tf.Tensor4D = cropped;
  if (augment) {
    // Colour gains and occluders in plain JS: much cheaper than broadcasting ops on the cpu backend.
    let pixels: Float32Array;
    try {
      pixels = Float32Array.from(cropped.dataSync() as Float32Array);
    } finally {
      cropped.dispose();
    }
    const SS = S * S;
    for (let n = 0; n < N; n++) {
      const g0 = gains[n * 3];
      const g1 = gains[n * 3 + 1];
      const g2 = gains[n * 3 + 2];
      for (let p = n * SS; p < (n + 1) * SS; p++) {
        const o = p * 3;
        if (occlusionMask && occlusionFill && occlusionMask[p] > 0) {
          pixels[o] = occlusionFill[o];
          pixels[o + 1] = occlusionFill[o + 1];
          pixels[o + 2] = occlusionFill[o + 2];
          continue;
        }
        pixels[o] = Math.min(1, pixels[o] * g0);
        pixels[o + 1] = Math.min(1, pixels[o + 1] * g1);
        pixels[o + 2] = Math.min(1, pixels[o + 2] * g2);
      }
    }
    images = tf.tensor4d(pixels, [N, S, S, 3]);
  }
  return { images, targets: tf.tensor4d(targets, [N, R, R, 3]), crops };
}

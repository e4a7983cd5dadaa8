import { InvalidArgumentError } from '@prnet/core';
import { MODEL_FRONTAL_PITCH_DEGREES, multiply3, rotationFromAngles, transpose3 } from '@prnet/core/geometry';
import type { IctModel } from '../ict/ict-model.js';
import { randomAppearance } from '../render/appearance.js';
import { backgroundImageSet, randomImageBackground } from '../render/background-images.js';
import { projectToImage, type RenderParams } from '../render/face-renderer.js';
import { createRng, gaussian, uniform, type Rng } from '../render/procedural.js';
import { EXPRESSION_COUNT, EXPRESSION_NAMES, expressionRecord, sampleExpression, type ExpressionSamplingOptions } from './expressions.js';

/**
 * Version of the sampling code (`sampleSyntheticFace`, `sampleExpression`, the renderer settings
 * it picks). Bump it whenever the same (seed, index) would give a different sample, so a dataset
 * is never resumed with samples from two versions.
 */
export const SYNTHETIC_GENERATOR_VERSION = 2;
// 1: no blur, no JPEG artefacts, procedural backgrounds only.
// 2: + random blur and JPEG round trips (`SyntheticFaceOptions.blur` / `jpeg`), optional photo backgrounds.

/** Random Gaussian blur of the image (labels unchanged). */
export interface BlurOptions {
  /** Fraction of samples blurred. [0.3] */
  readonly probability?: number;
  /** Range of the standard deviation, in pixels of a 192² image (scaled with the image side). [[0.5, 2]] */
  readonly sigma?: readonly [number, number];
}

/** Random JPEG encode + decode of the image (compression artefacts). */
export interface JpegArtefactOptions {
  /** Fraction of samples compressed. [0.3] */
  readonly probability?: number;
  /** Range of the JPEG quality (1–100), drawn uniformly and rounded. [[30, 90]] */
  readonly quality?: readonly [number, number];
}

/** Real-image backgrounds: random crops of photos from a folder instead of the procedural background. */
export interface PhotoBackgroundOptions {
  /** Folder of .jpg/.jpeg/.png images (absolute once recorded in a manifest). */
  readonly dir: string;
  /** Fraction of samples with a photo background. [0.5] */
  readonly probability?: number;
  /** Number of images found in `dir` (recorded by the dataset writer). */
  readonly images?: number;
  /** `listBackgroundImages(dir).fingerprint` (recorded by the dataset writer, checked on resume). */
  readonly fingerprint?: string;
}

/** Head pose in degrees, AFLW2000-3D convention (core `euler-angles.ts`): pitch > 0 nose up, yaw > 0 nose to image left, roll > 0 clockwise. */
export interface PoseDegrees {
  readonly pitch: number;
  readonly yaw: number;
  readonly roll: number;
}

/** Options of `sampleSyntheticFace`; defaults in brackets. */
export interface SyntheticFaceOptions {
  /** Image side in pixels. [192] */
  readonly imageSize?: number;
  /** Standard deviation of the identity weights (the model's prior is N(0, 1)). [0.8] */
  readonly identityScale?: number;
  /** Largest |yaw| in degrees. [90] */
  readonly maxYawDegrees?: number;
  /** Largest |pitch| in degrees. [45] */
  readonly maxPitchDegrees?: number;
  /** Largest |roll| in degrees. [45] */
  readonly maxRollDegrees?: number;
  /** Range of the tight 68-landmark box's mean side as a fraction of the image side. [[0.35, 0.55]] */
  readonly faceSize?: readonly [number, number];
  /** Largest offset of the landmark-box centre from the image centre, as a fraction of the image side. [0.08] */
  readonly centreJitter?: number;
  /**
   * The pitch (degrees) at which the ICT model frame is reported when aligned with the camera
   * (core `MODEL_FRONTAL_PITCH_DEGREES`, 3.6°): the recorded pose is then what core's
   * `estimatePose` measures on the label and what AFLW2000-3D would annotate. 0 makes the
   * recorded angles describe the raw ICT frame. [MODEL_FRONTAL_PITCH_DEGREES]
   */
  readonly referencePitchDegrees?: number;
  /** Renderer anti-aliasing (`Appearance.supersample`). [2] */
  readonly supersample?: number;
  /** Expression sampling. */
  readonly expression?: ExpressionSamplingOptions;
  /** Random blur. [probability 0.3, σ 0.5–2 px at 192²] */
  readonly blur?: BlurOptions;
  /** Random JPEG artefacts. [probability 0.3, quality 30–90] */
  readonly jpeg?: JpegArtefactOptions;
  /** Photo backgrounds. [none: procedural backgrounds only] */
  readonly backgrounds?: PhotoBackgroundOptions;
}

function checkProbability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`${name} must be in [0, 1], got ${p}`);
}

function checkRange(name: string, r: readonly [number, number], lo: number, hi: number): void {
  if (!Array.isArray(r) || r.length !== 2 || !(r[0] >= lo && r[1] >= r[0] && r[1] <= hi)) {
    throw new InvalidArgumentError(`${name} must be [lo, hi] with ${lo} ≤ lo ≤ hi ≤ ${hi}, got ${JSON.stringify(r)}`);
  }
}

/**
 * The image-degradation options with every default filled in (what a dataset manifest records),
 * checked. Other options are passed through unchanged.
 */
export function resolveDegradationOptions(options: SyntheticFaceOptions = {}): SyntheticFaceOptions & {
  readonly blur: Required<BlurOptions>;
  readonly jpeg: Required<JpegArtefactOptions>;
} {
  const blur = { probability: options.blur?.probability ?? 0.3, sigma: options.blur?.sigma ?? ([0.5, 2] as const) };
  const jpeg = { probability: options.jpeg?.probability ?? 0.3, quality: options.jpeg?.quality ?? ([30, 90] as const) };
  checkProbability('blur.probability', blur.probability);
  checkRange('blur.sigma', blur.sigma, 0, 50);
  checkProbability('jpeg.probability', jpeg.probability);
  checkRange('jpeg.quality', jpeg.quality, 1, 100);
  const out = { ...options, blur: { probability: blur.probability, sigma: [blur.sigma[0], blur.sigma[1]] as [number, number] }, jpeg: { probability: jpeg.probability, quality: [jpeg.quality[0], jpeg.quality[1]] as [number, number] } };
  if (options.backgrounds) {
    const probability = options.backgrounds.probability ?? 0.5;
    checkProbability('backgrounds.probability', probability);
    if (typeof options.backgrounds.dir !== 'string' || options.backgrounds.dir === '') throw new InvalidArgumentError('backgrounds.dir must be a folder path');
    return { ...out, backgrounds: { ...options.backgrounds, probability } };
  }
  return out;
}

/** What `sampleSyntheticFace` draws: the render parameters plus the labels they imply. */
export interface SyntheticFace {
  /** Renderer input (weak perspective, see `RenderParams`). */
  readonly params: RenderParams;
  /** The head pose (degrees): `rotationFromAngles(pitch, yaw, roll)` = params.rotation · Rx(reference pitch). */
  readonly pose: PoseDegrees;
  /** [53] expression weights in `EXPRESSION_NAMES` order, in [0, 1]. */
  readonly expression: Float32Array;
  /** The seed this face was drawn from. */
  readonly seed: number;
}

/**
 * The seed of sample `index` of a dataset with seed `datasetSeed`: a 32-bit integer hash, so
 * every sample is independent of how the dataset is split, ordered or resumed.
 */
export function sampleSeed(datasetSeed: number, index: number): number {
  let h = (Math.imul((datasetSeed | 0) ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(index | 0, 0x165667b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  // A second round mixes datasetSeed's high bits into index 0 as well.
  h = Math.imul(h ^ (Math.floor(datasetSeed / 2 ** 32) | 0), 0x9e3779b1);
  h ^= h >>> 15;
  return h >>> 0;
}

/** |x| ≤ max: a normal(0, sigma) clipped to ±max with probability `core`, else uniform in ±max. */
function peakedAngle(rng: Rng, sigma: number, max: number, core: number): number {
  if (rng() < core) return Math.max(-max, Math.min(max, gaussian(rng) * sigma));
  return uniform(rng, -max, max);
}

/**
 * Draws one synthetic face: identity ~ N(0, identityScale²); sparse realistic expressions
 * (`sampleExpression`); yaw with 70 % of its mass uniform in |yaw| < 60° (or 2/3 of the range)
 * and 30 % uniform beyond, up to ±maxYaw; pitch and roll mostly normal (σ 15°, 12°) with a
 * uniform tail up to ±45°; a scale that makes the tight 68-landmark box's mean side a uniform
 * fraction `faceSize` of the image; that box centred with `centreJitter`; `randomAppearance`.
 * Deterministic for (model, seed, options).
 */
export function sampleSyntheticFace(model: IctModel, seed: number, options: SyntheticFaceOptions = {}): SyntheticFace {
  const size = options.imageSize ?? 192;
  if (!Number.isInteger(size) || size < 16 || size > 4096) {
    throw new InvalidArgumentError(`imageSize must be an integer in [16, 4096], got ${size}`);
  }
  const [sizeLo, sizeHi] = options.faceSize ?? [0.35, 0.55];
  if (!(sizeLo > 0 && sizeHi >= sizeLo && sizeHi < 1)) {
    throw new InvalidArgumentError(`faceSize must be [lo, hi] with 0 < lo ≤ hi < 1, got [${sizeLo}, ${sizeHi}]`);
  }
  const rng = createRng(seed);
  const identityScale = options.identityScale ?? 0.8;
  const identity = new Float32Array(model.identityCount);
  for (let i = 0; i < identity.length; i++) identity[i] = gaussian(rng) * identityScale;
  const expression = sampleExpression(rng, options.expression);

  const maxYaw = options.maxYawDegrees ?? 90;
  const inner = Math.min(60, (maxYaw * 2) / 3);
  const yawMagnitude = rng() < 0.7 ? uniform(rng, 0, inner) : uniform(rng, inner, maxYaw);
  const yaw = rng() < 0.5 ? -yawMagnitude : yawMagnitude;
  const pitch = peakedAngle(rng, 15, options.maxPitchDegrees ?? 45, 0.8);
  const roll = peakedAngle(rng, 12, options.maxRollDegrees ?? 45, 0.8);
  const headRotation = rotationFromAngles(pitch, yaw, roll);
  const reference = rotationFromAngles(options.referencePitchDegrees ?? MODEL_FRONTAL_PITCH_DEGREES, 0, 0);
  const rotation = multiply3(headRotation, transpose3(reference));

  // The 68 landmarks of this identity/expression at scale 1, to size and centre the face.
  const landmarks = landmarkMesh(model, identity, expression);
  const projected = projectToImage(landmarks, rotation, 1, [0, 0]);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < 68; i++) {
    const x = projected[i * 3];
    const y = projected[i * 3 + 1];
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const meanSideCm = (x1 - x0 + (y1 - y0)) / 2;
  const scale = (uniform(rng, sizeLo, sizeHi) * size) / meanSideCm;
  const jitter = options.centreJitter ?? 0.08;
  const cx = size * (0.5 + uniform(rng, -jitter, jitter));
  const cy = size * (0.5 + uniform(rng, -jitter, jitter));
  const translation: [number, number] = [cx - (scale * (x0 + x1)) / 2, cy - (scale * (y0 + y1)) / 2];
  const appearance = {
    ...randomAppearance(Math.floor(rng() * 2 ** 31)),
    supersample: options.supersample ?? 2,
    ...sampleDegradations(seed, size, options),
  };
  return {
    params: {
      identity,
      expression: expressionRecord(expression),
      rotation,
      scale,
      translation,
      width: size,
      height: size,
      appearance,
    },
    pose: { pitch, yaw, roll },
    expression,
    seed,
  };
}

/**
 * Blur, JPEG quality and (optionally) a photo background for a sample, from their own random
 * stream (so the face, pose and procedural appearance of a seed do not depend on these options).
 */
function sampleDegradations(
  seed: number,
  size: number,
  options: SyntheticFaceOptions,
): { blur?: number; jpegQuality?: number; background?: ReturnType<typeof randomImageBackground> } {
  const o = resolveDegradationOptions(options);
  const rng = createRng((Math.imul(seed >>> 0, 0x2c1b3c6d) ^ 0x297a2d39) >>> 0);
  const out: { blur?: number; jpegQuality?: number; background?: ReturnType<typeof randomImageBackground> } = {};
  const blurDraw = rng();
  const sigma = uniform(rng, o.blur.sigma[0], o.blur.sigma[1]) * (size / 192);
  if (blurDraw < o.blur.probability && sigma > 0) out.blur = sigma;
  const jpegDraw = rng();
  const quality = Math.round(uniform(rng, o.jpeg.quality[0], o.jpeg.quality[1]));
  if (jpegDraw < o.jpeg.probability) out.jpegQuality = quality;
  if (o.backgrounds && rng() < (o.backgrounds.probability ?? 0.5)) {
    const set = backgroundImageSet(o.backgrounds.dir);
    if (o.backgrounds.fingerprint !== undefined && o.backgrounds.fingerprint !== set.fingerprint) {
      throw new InvalidArgumentError(`the images in ${set.dir} changed (fingerprint ${set.fingerprint}, recorded ${o.backgrounds.fingerprint})`);
    }
    out.background = randomImageBackground(rng, set, size, size);
  }
  return out;
}

/** [68*3] model-frame landmarks of the mesh with these identity and expression weights. */
function landmarkMesh(model: IctModel, identity: Float32Array, expression: Float32Array): Float32Array {
  const V3 = model.vertexCount * 3;
  const out = new Float32Array(68 * 3);
  const exprIndex = EXPRESSION_NAMES.map((n) => model.expressionNames.indexOf(n));
  for (let i = 0; i < 68; i++) {
    const v = model.landmarks68[i] * 3;
    for (let c = 0; c < 3; c++) {
      let p = model.neutral[v + c];
      for (let k = 0; k < identity.length; k++) p += identity[k] * model.identityDeltas[k * V3 + v + c];
      for (let e = 0; e < EXPRESSION_COUNT; e++) {
        if (expression[e] !== 0 && exprIndex[e] >= 0) p += expression[e] * model.expressionDeltas[exprIndex[e] * V3 + v + c];
      }
      out[i * 3 + c] = p;
    }
  }
  return out;
}

import type { IctModel } from '../ict/ict-model.js';
import { randomAppearance } from './appearance.js';
import { projectToImage, rotationFromAxisAngle, type RenderParams } from './face-renderer.js';
import { createRng, gaussian, uniform } from './procedural.js';

/** 3×3 row-major product A·B. */
export function multiplyRotations(A: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = A[r * 3] * B[c] + A[r * 3 + 1] * B[3 + c] + A[r * 3 + 2] * B[6 + c];
    }
  }
  return out;
}

/**
 * Image-frame (x, y) that puts the centroid of the 68 landmarks at (cx, cy) for a rotation and
 * scale, i.e. the `translation` to use in `RenderParams`.
 */
export function translationForLandmarkCentre(
  model: IctModel,
  rotation: ArrayLike<number>,
  scale: number,
  cx: number,
  cy: number,
  mesh: Float32Array = model.neutral,
): [number, number] {
  const centroid = new Float32Array(3);
  for (const v of model.landmarks68) for (let k = 0; k < 3; k++) centroid[k] += mesh[v * 3 + k] / 68;
  const p = projectToImage(centroid, rotation, scale, [0, 0]);
  return [cx - p[0], cy - p[1]];
}

export interface RandomFaceOptions {
  /** Image side in pixels. [256] */
  readonly size?: number;
  /** Maximum |yaw| in degrees (rotation about the vertical axis). [60] */
  readonly maxYawDegrees?: number;
  /** Maximum |pitch| in degrees. [20] */
  readonly maxPitchDegrees?: number;
  /** Maximum |roll| in degrees. [15] */
  readonly maxRollDegrees?: number;
  /** Number of identity weights drawn from N(0, 1). [model.identityCount] */
  readonly identityCount?: number;
}

/**
 * Random render parameters for a face: identity ~ N(0, 1), a few random expressions, a random
 * pose (yaw·pitch·roll about the camera's y, x, z axes), a random size/position that keeps the
 * face in the image, and `randomAppearance`. Deterministic for a seed. The pose here is a simple
 * demo distribution, not the project's head-pose convention.
 */
export function randomRenderParams(model: IctModel, seed: number, options: RandomFaceOptions = {}): RenderParams {
  const rng = createRng(seed);
  const size = options.size ?? 256;
  const identity = new Float32Array(Math.min(model.identityCount, options.identityCount ?? model.identityCount));
  for (let i = 0; i < identity.length; i++) identity[i] = gaussian(rng);
  const expression: Record<string, number> = {};
  const count = Math.floor(rng() * 5);
  for (let i = 0; i < count; i++) {
    const name = model.expressionNames[Math.floor(rng() * model.expressionNames.length)];
    if (name.startsWith('PupilDilate')) continue;
    expression[name] = rng();
  }
  if (rng() < 0.3) expression.jawOpen = uniform(rng, 0.1, 0.8);
  if (rng() < 0.3) {
    const s = uniform(rng, 0.2, 1);
    expression.mouthSmile_L = s;
    expression.mouthSmile_R = s;
  }
  const deg = Math.PI / 180;
  const yaw = uniform(rng, -1, 1) * (options.maxYawDegrees ?? 60) * deg;
  const pitch = uniform(rng, -1, 1) * (options.maxPitchDegrees ?? 20) * deg;
  const roll = uniform(rng, -1, 1) * (options.maxRollDegrees ?? 15) * deg;
  const rotation = multiplyRotations(
    rotationFromAxisAngle([0, 0, 1], roll),
    multiplyRotations(rotationFromAxisAngle([0, 1, 0], yaw), rotationFromAxisAngle([1, 0, 0], pitch)),
  );
  // The 68-landmark box of the neutral face is about 15 cm wide; make it 35–60% of the image.
  const scale = (uniform(rng, 0.35, 0.6) * size) / 15;
  const cx = size * uniform(rng, 0.4, 0.6);
  const cy = size * uniform(rng, 0.4, 0.6);
  const translation = translationForLandmarkCentre(model, rotation, scale, cx, cy);
  return {
    identity,
    expression,
    rotation,
    scale,
    translation,
    width: size,
    height: size,
    appearance: randomAppearance(Math.floor(rng() * 2 ** 31)),
  };
}

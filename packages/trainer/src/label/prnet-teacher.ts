import { boxOfPoints, IMPLAUSIBLE_POSE_RESIDUAL_CM, InvalidArgumentError, poseResidualCm, type Box, type Prnet, type RgbImage } from '@prnet/core';
import type { IctModel } from '../ict/ict-model.js';
import { faceVertexUvs, toPixelX, toPixelY } from '../uv-layout/uv-rasteriser.js';
import type { TeacherCorrespondence } from './correspondence.js';
import type { TeacherResult } from './teacher.js';

/**
 * A teacher that answers with a PRNet model's own reconstruction (`@prnet/core`'s `createPrnet`,
 * typically with `flipTest` and `refine`), read at chosen ICT vertices — for photos where
 * MediaPipe's mesh fails (profiles), so the labeller's morphable-model fit starts from the
 * network's dense answer and the annotated points correct it.
 */
export interface PrnetTeacher {
  /**
   * Runs the model on `box` (any face box: the first pass's crop uses it as a 68-landmark box),
   * then on the tight box of the first answer's 68 landmarks (the box the model's crop scale was
   * chosen for), and reads the second answer's position map at the teacher's vertices
   * (`TeacherResult.points[3i…3i+2]` answers `vertices[i]` of `createPrnetTeacher`).
   */
  run(image: RgbImage, box: Box): Promise<TeacherResult>;
  dispose(): void;
}

export interface PrnetTeacherOptions {
  /** Passes (1: the given box only). [2] */
  readonly passes?: number;
  /** Whether `dispose()` disposes `prnet`. [false] */
  readonly disposePrnet?: boolean;
}

/** How one point is read from a position map: up to four mask pixels and their weights (summing to 1). */
export interface MapTap {
  readonly pixels: readonly number[];
  readonly weights: readonly number[];
}

/**
 * The tap reading continuous UV pixel (x, y) (pixel centres at integers) from maps whose face area
 * is `mask`: bilinear over the four surrounding pixels that lie inside the mask, weights
 * renormalised; when none does (a point on the mask's rim), the nearest mask pixel within
 * `maxDistance` pixels. @throws InvalidArgumentError when no mask pixel is that close.
 */
export function maskedBilinearTap(mask: Uint8Array, R: number, x: number, y: number, maxDistance = 4): MapTap {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const pixels: number[] = [];
  const weights: number[] = [];
  for (let dy = 0; dy <= 1; dy++) {
    for (let dx = 0; dx <= 1; dx++) {
      const cx = x0 + dx;
      const cy = y0 + dy;
      if (cx < 0 || cy < 0 || cx >= R || cy >= R || !mask[cy * R + cx]) continue;
      pixels.push(cy * R + cx);
      weights.push((dx ? x - x0 : 1 - (x - x0)) * (dy ? y - y0 : 1 - (y - y0)) + 1e-9);
    }
  }
  if (pixels.length > 0) {
    const sum = weights.reduce((a, b) => a + b, 0);
    return { pixels, weights: weights.map((w) => w / sum) };
  }
  let best = -1;
  let bestD = maxDistance;
  const r = Math.ceil(maxDistance) + 1;
  for (let cy = Math.max(0, y0 - r); cy <= Math.min(R - 1, y0 + r); cy++) {
    for (let cx = Math.max(0, x0 - r); cx <= Math.min(R - 1, x0 + r); cx++) {
      const d = Math.hypot(cx - x, cy - y);
      if (mask[cy * R + cx] && d <= bestD) [best, bestD] = [cy * R + cx, d];
    }
  }
  if (best < 0) throw new InvalidArgumentError(`no mask pixel within ${maxDistance} pixels of (${x.toFixed(1)}, ${y.toFixed(1)})`);
  return { pixels: [best], weights: [1] };
}

/**
 * The correspondence a PRNet teacher implies: its points are the ICT vertices themselves, so
 * every residual is the same (equal fit weights) and z needs no scale.
 */
export function prnetTeacherCorrespondence(vertices: ArrayLike<number>, description: string): TeacherCorrespondence {
  return {
    format: 'prnet-teacher-correspondence',
    version: 1,
    teacher: description,
    vertices: Array.from(vertices),
    residual: Array.from({ length: vertices.length }, () => 0.01),
    zScale: 1,
    zResidual: 0,
    renders: 0,
    seed: 0,
    generator: {},
    note: 'A PRNet model read at the ICT vertices through the UV layout: exact by construction.',
  };
}

/**
 * Wraps a `Prnet` as a labelling teacher answering at `vertices` (ICT indices with a face-area UV).
 * The face score is 1 when the model's pose fit is plausible (RMS residual ≤ core's
 * `IMPLAUSIBLE_POSE_RESIDUAL_CM`, 1.3 cm of the mean face, the roll-recovery threshold), else 0,
 * so the labeller drops implausible readings.
 * @throws InvalidArgumentError when a vertex has no face-area UV.
 */
export function createPrnetTeacher(prnet: Prnet, model: IctModel, vertices: ArrayLike<number>, options: PrnetTeacherOptions = {}): PrnetTeacher {
  const passes = options.passes ?? 2;
  if (!Number.isInteger(passes) || passes < 1) throw new InvalidArgumentError(`passes must be a positive integer, got ${passes}`);
  const uv = faceVertexUvs(model);
  const R = prnet.layout.resolution;
  const ids = Uint32Array.from(vertices);
  const taps = Array.from(ids, (v) => {
    const u = uv[v * 2];
    const w = uv[v * 2 + 1];
    if (!Number.isFinite(u) || !Number.isFinite(w)) throw new InvalidArgumentError(`vertex ${v} has no face-area UV`);
    return maskedBilinearTap(prnet.layout.mask, R, toPixelX(u, R), toPixelY(w, R));
  });
  return {
    async run(image, box) {
      let face = await prnet.reconstruct(image, { box });
      for (let pass = 1; pass < passes; pass++) face = await prnet.reconstruct(image, { box: boxOfPoints(face.landmarks68) });
      const map = face.positionMap;
      const points = new Float32Array(ids.length * 3);
      let mz = 0;
      taps.forEach(({ pixels, weights }, i) => {
        for (let k = 0; k < pixels.length; k++) for (let c = 0; c < 3; c++) points[i * 3 + c] += weights[k] * map[pixels[k] * 3 + c];
        mz += points[i * 3 + 2];
      });
      mz /= ids.length;
      for (let i = 0; i < ids.length; i++) points[i * 3 + 2] -= mz;
      const plausible = poseResidualCm(face.pose) <= IMPLAUSIBLE_POSE_RESIDUAL_CM;
      return { points, faceScore: plausible ? 1 : 0, crop: face.crop };
    },
    dispose() {
      if (options.disposePrnet) prnet.dispose();
    },
  };
}

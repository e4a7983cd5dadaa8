/**
 * Where a face's landmark error comes from: per facial region, and how much of it is the face's
 * placement (where the prediction sits in the image, its size and in-plane turn) rather than its
 * shape. Pure functions over plain 68-point arrays, in the units of `nme68` (percent of sqrt(w·h)
 * of the normalising box).
 */
import type { Box } from '@prnet/core/geometry';
import { checkedNorm } from './metrics.js';

/** The regions of the 68-point layout (iBUG / AFLW2000-3D order), as [first, end) point indices. */
export const LANDMARK_REGIONS = {
  jaw: [0, 17],
  brows: [17, 27],
  nose: [27, 36],
  eyes: [36, 48],
  mouth: [48, 68],
} as const satisfies Record<string, readonly [number, number]>;

export type LandmarkRegion = keyof typeof LANDMARK_REGIONS;

/** The region names in report order. */
export const LANDMARK_REGION_NAMES = Object.keys(LANDMARK_REGIONS) as LandmarkRegion[];

/** NME 2D of one face split by where the error lies (all in percent, like `nme68`). */
export interface NmeBreakdown {
  /** NME 2D of each region's points alone. */
  regions: Record<LandmarkRegion, number>;
  /**
   * NME 2D after moving the prediction by the least-squares translation onto the ground truth
   * (their centroids made equal): what is left when the face's position is taken from the truth.
   */
  translated: number;
  /**
   * NME 2D after the least-squares 2D similarity (translation, uniform scale, rotation; no
   * reflection) onto the ground truth: the error of the landmarks' shape alone.
   */
  similarity: number;
}

function meanDistance(px: Float64Array, py: Float64Array, gt: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.hypot(px[i] - gt[3 * i], py[i] - gt[3 * i + 1]);
  return sum / (to - from);
}

/**
 * The error breakdown of 68 predicted landmarks (see `NmeBreakdown`).
 * @param pred [68*3] predicted x, y, z (image pixels; z unused).
 * @param gt [68*3] ground-truth x, y, z (image pixels; z unused).
 * @param box the normalising box, as for `nme68`.
 */
export function nmeBreakdown(pred: ArrayLike<number>, gt: ArrayLike<number>, box: Box): NmeBreakdown {
  const scale = 100 / checkedNorm('nmeBreakdown', pred, gt, box);
  const px = new Float64Array(68);
  const py = new Float64Array(68);
  let pcx = 0;
  let pcy = 0;
  let gcx = 0;
  let gcy = 0;
  for (let i = 0; i < 68; i++) {
    px[i] = pred[3 * i];
    py[i] = pred[3 * i + 1];
    pcx += px[i] / 68;
    pcy += py[i] / 68;
    gcx += gt[3 * i] / 68;
    gcy += gt[3 * i + 1] / 68;
  }
  const regions = {} as Record<LandmarkRegion, number>;
  for (const name of LANDMARK_REGION_NAMES) {
    const [from, to] = LANDMARK_REGIONS[name];
    regions[name] = scale * meanDistance(px, py, gt, from, to);
  }

  // The least-squares 2D similarity g ≈ s·R·p of the centred prediction p onto the centred truth
  // g has, with a = Σ p·g and b = Σ p × g (2D cross product), s·R = [[a, −b], [b, a]] / Σ|p|².
  // (Core's fitSimilarity is 3D: on flat points its out-of-plane turns would also undo a mirror image.)
  let a = 0;
  let b = 0;
  let pp = 0;
  for (let i = 0; i < 68; i++) {
    px[i] -= pcx;
    py[i] -= pcy;
    const gx = gt[3 * i] - gcx;
    const gy = gt[3 * i + 1] - gcy;
    a += px[i] * gx + py[i] * gy;
    b += px[i] * gy - py[i] * gx;
    pp += px[i] * px[i] + py[i] * py[i];
  }
  const c = pp > 0 ? a / pp : 0;
  const s = pp > 0 ? b / pp : 0;
  const tx = new Float64Array(68);
  const ty = new Float64Array(68);
  for (let i = 0; i < 68; i++) {
    tx[i] = px[i] + gcx;
    ty[i] = py[i] + gcy;
  }
  const translated = scale * meanDistance(tx, ty, gt, 0, 68);
  for (let i = 0; i < 68; i++) {
    tx[i] = c * px[i] - s * py[i] + gcx;
    ty[i] = s * px[i] + c * py[i] + gcy;
  }
  const similarity = scale * meanDistance(tx, ty, gt, 0, 68);
  return { regions, translated, similarity };
}

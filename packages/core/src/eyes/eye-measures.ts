/**
 * Eye measurements from eyelid contours and iris points (pure functions over typed arrays).
 *
 * Contour convention (that of MediaPipe's iris landmark model, which `createIrisLandmarker` runs):
 * 16 points [x, y] in image pixels — the lower lid from the outer corner (0) to the inner corner
 * (8), then the upper lid's 7 points between them (9 … 15, outer to inner). Iris: 5 points, the
 * centre first.
 */
import { InvalidArgumentError } from '../errors.js';

/** Points of the lid contour. */
export const EYE_CONTOUR_POINTS = 16;
/** Points of the iris (centre first). */
export const IRIS_POINTS = 5;

/** Measures of one eye. */
export interface EyeMeasures {
  /** Eye width: outer to inner corner, pixels. */
  width: number;
  /** Mean lid gap / width (≈ 0.3 open, ≈ 0.05 closed). */
  openness: number;
  /**
   * Iris centre relative to the corners' midpoint, in eye widths, along the corner-to-corner
   * axis (x, + towards the image's right) and across it (y, + towards the image's bottom).
   */
  gazeX: number;
  gazeY: number;
}

/**
 * Openness and iris position of one eye. Lid gaps are measured across the corner axis between
 * the upper lid's points 9 … 15 and the lower lid interpolated at the same position along it.
 */
export function eyeMeasures(contour: ArrayLike<number>, iris: ArrayLike<number>): EyeMeasures {
  if (contour.length !== EYE_CONTOUR_POINTS * 2 || iris.length < 2) {
    throw new InvalidArgumentError(`eyeMeasures needs ${EYE_CONTOUR_POINTS} contour points and the iris centre as [x, y]`);
  }
  const ox = contour[0];
  const oy = contour[1];
  const ix = contour[16];
  const iy = contour[17];
  const width = Math.hypot(ix - ox, iy - oy);
  if (!(width > 0)) return { width: 0, openness: 0, gazeX: 0, gazeY: 0 };
  // Eye frame: u along outer → inner corner, v perpendicular (rotated +90° in image coordinates).
  let ux = (ix - ox) / width;
  let uy = (iy - oy) / width;
  // Orient u towards the image's right so gazeX means the same for both eyes.
  if (ux < 0) {
    ux = -ux;
    uy = -uy;
  }
  const vx = -uy;
  const vy = ux;
  const cx = (ox + ix) / 2;
  const cy = (oy + iy) / 2;
  const u = (k: number) => (contour[2 * k] - cx) * ux + (contour[2 * k + 1] - cy) * uy;
  const v = (k: number) => (contour[2 * k] - cx) * vx + (contour[2 * k + 1] - cy) * vy;
  // Lower lid as a polyline in (u, v), points 0 … 8.
  const lowerU: number[] = [];
  const lowerV: number[] = [];
  for (let k = 0; k <= 8; k++) {
    lowerU.push(u(k));
    lowerV.push(v(k));
  }
  const order = lowerU.map((_, i) => i).sort((a, b) => lowerU[a] - lowerU[b]);
  const lowerAt = (uq: number): number => {
    for (let j = 0; j + 1 < order.length; j++) {
      const a = order[j];
      const b = order[j + 1];
      if (uq >= lowerU[a] && uq <= lowerU[b]) {
        const t = lowerU[b] > lowerU[a] ? (uq - lowerU[a]) / (lowerU[b] - lowerU[a]) : 0;
        return lowerV[a] + t * (lowerV[b] - lowerV[a]);
      }
    }
    return uq < lowerU[order[0]] ? lowerV[order[0]] : lowerV[order[order.length - 1]];
  };
  let gap = 0;
  for (let k = 9; k <= 15; k++) gap += Math.max(0, lowerAt(u(k)) - v(k));
  const gazeU = (iris[0] - cx) * ux + (iris[1] - cy) * uy;
  const gazeV = (iris[0] - cx) * vx + (iris[1] - cy) * vy;
  return { width, openness: gap / 7 / width, gazeX: gazeU / width, gazeY: gazeV / width };
}

/**
 * The square crop box [x0, y0, x1, y1] around an eye that the iris model expects: centred on the
 * two corners' midpoint, side `scale` × their distance.
 */
export function eyeCropBox(cornerA: readonly [number, number], cornerB: readonly [number, number], scale = 2.3): [number, number, number, number] {
  const cx = (cornerA[0] + cornerB[0]) / 2;
  const cy = (cornerA[1] + cornerB[1]) / 2;
  const half = (scale * Math.hypot(cornerB[0] - cornerA[0], cornerB[1] - cornerA[1])) / 2;
  return [cx - half, cy - half, cx + half, cy + half];
}

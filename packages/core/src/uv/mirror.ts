import type { UvLayout } from './layout.js';

/**
 * The left–right mirror of every UV pixel: for each pixel of the layout's mask, the mask pixel whose
 * mean-face point is nearest to its own point mirrored through the face's mid-plane (model frame:
 * x → −x); −1 outside the mask. The ICT Face Model's UV map is nearly symmetric about its vertical
 * centre line, so the search looks within `radius` pixels of (R − 1 − x, y) (measured at 128²:
 * 15,609 of 15,620 face pixels mirror exactly there, the rest one pixel off).
 */
export function uvMirrorMap(layout: UvLayout, radius = 2): Int32Array {
  const R = layout.resolution;
  const { mask, meanFace } = layout;
  const mirror = new Int32Array(R * R).fill(-1);
  for (let p = 0; p < R * R; p++) {
    if (!mask[p]) continue;
    const px = -meanFace[p * 3];
    const py = meanFace[p * 3 + 1];
    const pz = meanFace[p * 3 + 2];
    const cx = R - 1 - (p % R);
    const cy = Math.floor(p / R);
    let best = -1;
    let bestDistance = Infinity;
    for (let y = Math.max(0, cy - radius); y <= Math.min(R - 1, cy + radius); y++) {
      for (let x = Math.max(0, cx - radius); x <= Math.min(R - 1, cx + radius); x++) {
        const q = y * R + x;
        if (!mask[q]) continue;
        const d = (meanFace[q * 3] - px) ** 2 + (meanFace[q * 3 + 1] - py) ** 2 + (meanFace[q * 3 + 2] - pz) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = q;
        }
      }
    }
    mirror[p] = best;
  }
  return mirror;
}

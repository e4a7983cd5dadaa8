import { InvalidArgumentError, InvalidLayoutError } from '../errors.js';
import type { UvLayout } from '../uv/layout.js';
import { uvMirrorMap } from '../uv/mirror.js';
import { assertPositionMap, outputArray } from './validate.js';

/**
 * Left–right correspondence of the 68 Multi-PIE landmarks: `LANDMARK68_MIRROR[k]` is the point
 * that k becomes in a mirrored face (jaw 0 ↔ 16, brows 17 ↔ 26, nose wings 31 ↔ 35, eye corners
 * 36 ↔ 45, mouth corners 48 ↔ 54, …; the points on the midline map to themselves).
 */
export const LANDMARK68_MIRROR: readonly number[] = (() => {
  const m = Array.from({ length: 68 }, (_, k) => k);
  const pair = (a: number, b: number) => {
    m[a] = b;
    m[b] = a;
  };
  for (let k = 0; k < 8; k++) pair(k, 16 - k); // jaw
  for (let k = 17; k < 22; k++) pair(k, 43 - k); // brows
  pair(31, 35); // nose wings
  pair(32, 34);
  for (let k = 36; k < 40; k++) pair(k, 81 - k); // eye corners and upper lids: 36↔45 … 39↔42
  pair(40, 47); // lower lids
  pair(41, 46);
  pair(48, 54); // outer lips
  pair(49, 53);
  pair(50, 52);
  pair(55, 59);
  pair(56, 58);
  pair(60, 64); // inner lips
  pair(61, 63);
  pair(65, 67);
  return m;
})();

/**
 * A yaw-dependent landmark definition. Benchmarks annotate turned faces differently from frontal
 * ones (on AFLW2000-3D the points of the face's far side sit elsewhere on the surface once the head
 * turns past about 40°), so one set of UV pixels cannot match both. `pixels` are the points for a
 * head turned with its nose towards the image's left (yaw > 0 in the AFLW2000-3D convention);
 * `mirroredPixels`, derived through the layout's left–right correspondence, serve yaw < 0. The
 * frontal set (the layout's `landmarkPixels`) is blended into the profile set as |yaw| goes from
 * `blendYawDegrees[0]` to `[1]`.
 */
export interface ProfileLandmarks {
  readonly pixels: Uint32Array;
  readonly mirroredPixels: Uint32Array;
  readonly blendYawDegrees: readonly [number, number];
}

/**
 * Builds the profile definition from the yaw > 0 pixels: each landmark k of the yaw < 0 set is the
 * mirror pixel of landmark `LANDMARK68_MIRROR[k]` of the yaw > 0 set.
 * @throws InvalidArgumentError for a malformed blend range or pixel list; InvalidLayoutError when a
 *   pixel lies outside the layout's mask or has no mirror pixel.
 */
export function createProfileLandmarks(
  pixels: ArrayLike<number>,
  layout: UvLayout,
  blendYawDegrees: readonly [number, number],
  mirror: Int32Array = uvMirrorMap(layout),
): ProfileLandmarks {
  const [lo, hi] = blendYawDegrees;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo >= 0 && hi > lo && hi <= 180)) {
    throw new InvalidArgumentError(`blendYawDegrees must be [lo, hi] with 0 ≤ lo < hi ≤ 180, got [${lo}, ${hi}]`);
  }
  if (pixels.length !== 68) throw new InvalidArgumentError(`profile landmarks need 68 pixels, got ${pixels.length}`);
  const R2 = layout.resolution * layout.resolution;
  const own = Uint32Array.from(pixels);
  own.forEach((p, k) => {
    if (!Number.isInteger(pixels[k]) || p >= R2 || !layout.mask[p]) {
      throw new InvalidLayoutError(`profile landmark ${k} (pixel ${pixels[k]}) lies outside the UV layout's mask`);
    }
  });
  return { pixels: own, mirroredPixels: mirrorLandmarkPixels(own, mirror), blendYawDegrees: [lo, hi] };
}

/**
 * The landmark pixels of the mirror-image face: landmark `landmarkMirror[k]` takes the UV mirror
 * pixel of landmark k's pixel.
 * @param mirror the UV layout's left–right map (`uvMirrorMap`; −1 where a pixel has none).
 * @throws InvalidLayoutError when a pixel has no mirror.
 */
export function mirrorLandmarkPixels(
  pixels: Uint32Array,
  mirror: Int32Array,
  landmarkMirror: readonly number[] = LANDMARK68_MIRROR,
): Uint32Array {
  if (pixels.length !== landmarkMirror.length) {
    throw new InvalidArgumentError(`${pixels.length} landmark pixels for a ${landmarkMirror.length}-point mirror map`);
  }
  const mirrored = new Uint32Array(pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    const m = mirror[pixels[k]];
    if (!(m >= 0)) throw new InvalidLayoutError(`landmark ${k} (pixel ${pixels[k]}) has no mirror pixel in the UV layout`);
    mirrored[landmarkMirror[k]] = m;
  }
  return mirrored;
}

/** Weight of the profile set at a head yaw (degrees): 0 up to `lo`, 1 from `hi`, linear between. */
export function profileBlendWeight(yawDegrees: number, blendYawDegrees: readonly [number, number]): number {
  const [lo, hi] = blendYawDegrees;
  const a = Math.abs(yawDegrees);
  if (!(a > lo)) return 0; // NaN yaw → the frontal set
  return a >= hi ? 1 : (a - lo) / (hi - lo);
}

/**
 * The 68 landmarks of a face whose head yaw is known: the layout's landmark pixels, blended into
 * the profile set of the yaw's side (`ProfileLandmarks`) as the head turns.
 * @param yawDegrees head yaw, AFLW2000-3D convention (> 0 = nose towards the image's left).
 * @returns [68*3] xyz per landmark in the frame of `pm` (written into `out` when given).
 */
export function yawAwareLandmarks68(
  pm: Float32Array,
  layout: UvLayout,
  profile: ProfileLandmarks,
  yawDegrees: number,
  out?: Float32Array,
): Float32Array {
  assertPositionMap(pm, layout);
  if (layout.landmarkPixels.length !== 68) throw new InvalidLayoutError(`the layout has ${layout.landmarkPixels.length} landmark pixels, not 68`);
  return blendLandmarkPixels(pm, layout.landmarkPixels, profile, yawDegrees, outputArray(out, 68 * 3));
}

/**
 * The blend behind `yawAwareLandmarks68` on bare pixel lists: landmark k is frontal pixel
 * `frontal[k]` of `pm` blended into the profile pixel of the yaw's side. No checks (callers validate).
 * @returns [K*3] xyz per landmark (written into `out` when given).
 */
export function blendLandmarkPixels(
  pm: ArrayLike<number>,
  frontal: ArrayLike<number>,
  profile: ProfileLandmarks,
  yawDegrees: number,
  out: Float32Array = new Float32Array(frontal.length * 3),
): Float32Array {
  const w = profileBlendWeight(yawDegrees, profile.blendYawDegrees);
  const side = yawDegrees > 0 ? profile.pixels : profile.mirroredPixels;
  for (let k = 0; k < frontal.length; k++) {
    const f = frontal[k] * 3;
    const s = side[k] * 3;
    for (let c = 0; c < 3; c++) out[3 * k + c] = (1 - w) * pm[f + c] + w * pm[s + c];
  }
  return out;
}

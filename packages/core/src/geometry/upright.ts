import { InvalidArgumentError } from '../errors.js';

/**
 * The smallest upright turn (degrees) for which `createPrnet`'s default `refine` runs its second
 * pass: a face already within this of upright keeps its first reading. Chosen on the AFLW2000-3D
 * dev split with the shipped model (MODEL_CARD.md): the second pass gains nothing there on faces
 * turned less than this, and it then runs for 39 % of the faces instead of all of them.
 */
export const REFINE_MIN_TURN_DEGREES = 10;

/**
 * The in-plane crop rotation (radians, `CropTransform.rotation` convention) that turns a head
 * upright in the crop: the model's up axis, projected into the image, then points straight up.
 * `modelRotation` is `HeadPose.modelRotation` (row-major, model frame → y-up camera frame).
 */
export function uprightRotation(modelRotation: ArrayLike<number>): number {
  if (modelRotation.length !== 9) throw new InvalidArgumentError(`modelRotation has 9 entries, got ${modelRotation.length}`);
  // model up (0, 1, 0) → camera (R01, R11, R21) → image (R01, −R11): ux, uy. θ = atan2(ux, −uy).
  const ux = modelRotation[1];
  const upY = modelRotation[4];
  if (!(Math.hypot(ux, upY) > 1e-6)) return 0; // head up axis along the viewing ray: no in-plane direction
  return Math.atan2(ux, upY);
}

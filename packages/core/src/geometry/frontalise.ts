import { InvalidArgumentError } from '../errors.js';
import type { UvLayout } from '../uv/layout.js';
import { estimatePose, type HeadPose, type PoseOptions } from './pose.js';
import { assertVertices } from './validate.js';

/**
 * Removes the head pose: maps image-frame points back to the canonical model frame,
 *
 *   model = modelRotationᵀ · F · (image − translation) / scale,   F = diag(1, −1, 1),
 *
 * the inverse of `HeadPose`'s similarity, so a rotated, scaled and shifted face frontalises to
 * the unrotated one (centimetres, y up, z out of the face — the frame of `layout.meanFace`).
 *
 * @param surface [N*3] image-frame points (dense vertices), or the [R*R*3] position map when
 *   `layoutOrPose` is a layout (pixels outside the mask stay 0).
 * @param layoutOrPose a pose to remove, or a layout to estimate it from (`estimatePose`).
 * @returns Float32Array of the same length, model frame (write into `out` when given; may be `surface`).
 */
export function frontalise(
  surface: Float32Array,
  layoutOrPose: UvLayout | HeadPose,
  options: PoseOptions & { out?: Float32Array } = {},
): Float32Array {
  assertVertices(surface);
  const isPose = 'modelRotation' in layoutOrPose;
  const pose = isPose ? layoutOrPose : estimatePose(surface, layoutOrPose, options);
  const out = options.out ?? new Float32Array(surface.length);
  if (out.length !== surface.length) throw new InvalidArgumentError(`out must have length ${surface.length}`);
  const R = pose.modelRotation;
  const [tx, ty, tz] = pose.translation;
  const inv = 1 / pose.scale;
  const mask =
    !isPose && surface.length === layoutOrPose.resolution * layoutOrPose.resolution * 3 ? layoutOrPose.mask : undefined;
  for (let i = 0, p = 0; i < surface.length; i += 3, p++) {
    if (mask && !mask[p]) {
      out[i] = out[i + 1] = out[i + 2] = 0;
      continue;
    }
    const x = (surface[i] - tx) * inv;
    const y = -(surface[i + 1] - ty) * inv;
    const z = (surface[i + 2] - tz) * inv;
    // Rᵀ · (x, y, z)
    out[i] = R[0] * x + R[3] * y + R[6] * z;
    out[i + 1] = R[1] * x + R[4] * y + R[7] * z;
    out[i + 2] = R[2] * x + R[5] * y + R[8] * z;
  }
  return out;
}

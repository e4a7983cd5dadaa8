import type { RgbImage } from '../image/rgb-image.js';
import type { UvLayout } from '../uv/layout.js';
import { InvalidArgumentError } from '../errors.js';
import { denseVertices } from './extract.js';
import { assertImage, sampleBilinear } from './sample-colors.js';
import { assertPositionMap } from './validate.js';
import { vertexVisibility } from './visibility.js';

export interface UvTextureOptions {
  /** Black out pixels whose surface point is hidden from the camera. Default false. */
  hideInvisible?: boolean;
  /** [N] per-dense-vertex visibility (1 = visible) to use instead of computing it; implies hideInvisible. */
  visibility?: Uint8Array;
}

/**
 * The face texture in UV space (PRNet's `cv2.remap`): each position-map pixel inside
 * `layout.mask` takes the colour of `image` at that pixel's (x, y), bilinearly sampled and clamped
 * at the borders; pixels outside the mask (and hidden ones, when asked) are black.
 * @param pm [R*R*3] image-frame position map of `image`.
 * @returns R×R, 3-channel RGB texture (row 0 at v = 1, like the position map).
 */
export function uvTexture(image: RgbImage, pm: Float32Array, layout: UvLayout, options: UvTextureOptions = {}): RgbImage {
  assertImage(image);
  assertPositionMap(pm, layout);
  const R = layout.resolution;
  const data = new Uint8Array(R * R * 3);
  let visible = options.visibility;
  if (!visible && options.hideInvisible) visible = vertexVisibility(denseVertices(pm, layout), layout.triangles);
  if (visible && visible.length !== layout.vertexPixels.length) {
    throw new InvalidArgumentError(`visibility must have one entry per dense vertex (${layout.vertexPixels.length})`);
  }
  const rgb = new Float32Array(3);
  const pixels = layout.vertexPixels;
  for (let k = 0; k < pixels.length; k++) {
    if (visible && !visible[k]) continue;
    const p = pixels[k];
    if (!layout.mask[p]) continue;
    sampleBilinear(image, pm[3 * p], pm[3 * p + 1], rgb);
    data[3 * p] = Math.round(rgb[0]);
    data[3 * p + 1] = Math.round(rgb[1]);
    data[3 * p + 2] = Math.round(rgb[2]);
  }
  return { width: R, height: R, channels: 3, data };
}

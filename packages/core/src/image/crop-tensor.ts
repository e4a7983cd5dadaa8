import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidImageError } from '../errors.js';
import { cropToImageMatrix, type CropTransform } from '../geometry/crop.js';

/** How `cropToTensor` samples: the backend's `Transform` kernel, or a portable gather-based sampler. */
export type CropSampler = 'auto' | 'transform' | 'gather';

export interface CropToTensorOptions {
  /** Default 'auto': 'transform' when the active backend has the Transform kernel, else 'gather'. */
  sampler?: CropSampler;
}

/**
 * The row of `tf.image.transform` for one crop. That kernel maps an output pixel *index* (col i,
 * row j) to an input pixel-index position where pixel centres lie on integers, while our frames put
 * pixel centres at +0.5: output centre (i + ½, j + ½) → image point M·(i + ½, j + ½) → input index
 * position M·(i + ½, j + ½) − ½.
 */
function transformRow(t: CropTransform): number[] {
  const [a, b, c, d, e, f] = cropToImageMatrix(t);
  return [a, b, c + 0.5 * (a + b) - 0.5, d, e, f + 0.5 * (d + e) - 0.5, 0, 0];
}

function validate(image: tf.Tensor3D, crops: readonly CropTransform[]): number {
  if (!(image instanceof tf.Tensor) || image.rank !== 3 || image.shape[2] !== 3) {
    throw new InvalidImageError(`cropToTensor needs an [H, W, 3] image tensor, got shape [${image?.shape?.join(', ')}]`);
  }
  if (image.shape[0] === 0 || image.shape[1] === 0) throw new InvalidImageError('cropToTensor: the image has no pixels');
  if (crops.length === 0) throw new InvalidArgumentError('cropToTensor needs at least one crop');
  const size = crops[0].inputSize;
  if (!Number.isInteger(size) || size <= 0) throw new InvalidArgumentError(`crop inputSize must be a positive integer, got ${size}`);
  for (const crop of crops) {
    if (crop.inputSize !== size) {
      throw new InvalidArgumentError(`all crops must share one inputSize (got ${size} and ${crop.inputSize})`);
    }
    const values = [crop.centreX, crop.centreY, crop.size, crop.rotation];
    if (!values.every(Number.isFinite) || !(crop.size > 0)) {
      throw new InvalidArgumentError(`malformed crop ${JSON.stringify(crop)}`);
    }
  }
  return size;
}

/**
 * Samples the network input crops from an image.
 *
 * `image`: float32 (or int32) [H, W, 3], values 0..255 (see `imageToTensor`).
 * Returns float32 [N, S, S, 3] with values in [0, 1], S = `crops[i].inputSize` (all equal):
 * output pixel centre (u, v) (continuous crop coordinates, centres at +½) holds the bilinear sample
 * of the image at `cropToImageMatrix(crop)·(u, v)`; pixels outside the image read as 0 (a pixel at
 * the border blends with that 0). No anti-aliasing: a crop that shrinks the face by more than ~2×
 * aliases, as PRNet's original warp does. The caller disposes the result; `image` is untouched.
 */
export function cropToTensor(
  image: tf.Tensor3D,
  crops: readonly CropTransform[],
  options: CropToTensorOptions = {},
): tf.Tensor4D {
  const size = validate(image, crops);
  let sampler = options.sampler ?? 'auto';
  if (sampler === 'auto') sampler = tf.getKernel('Transform', tf.getBackend()) ? 'transform' : 'gather';
  return tf.tidy(() => {
    const input = image.dtype === 'float32' ? image : tf.cast(image, 'float32');
    const batch =
      sampler === 'transform' ? sampleWithTransform(input, crops, size) : sampleWithGather(input, crops, size);
    return tf.mul(batch, 1 / 255) as tf.Tensor4D;
  });
}

function sampleWithTransform(image: tf.Tensor3D, crops: readonly CropTransform[], size: number): tf.Tensor4D {
  const batched = tf.expandDims(image, 0) as tf.Tensor4D;
  const outs = crops.map((crop) =>
    tf.image.transform(batched, tf.tensor2d([transformRow(crop)], [1, 8]), 'bilinear', 'constant', 0, [size, size]),
  );
  return outs.length === 1 ? outs[0] : tf.concat(outs, 0);
}

/**
 * Portable bilinear sampler from gathers: the four neighbours of each output pixel are gathered
 * from the flattened image and blended with weights that are 0 for neighbours outside the image.
 */
function sampleWithGather(image: tf.Tensor3D, crops: readonly CropTransform[], size: number): tf.Tensor4D {
  const [h, w] = image.shape;
  const flat = tf.reshape(image, [h * w, 3]);
  const count = crops.length * size * size;
  const index = [new Int32Array(count), new Int32Array(count), new Int32Array(count), new Int32Array(count)];
  const weight = [new Float32Array(count), new Float32Array(count), new Float32Array(count), new Float32Array(count)];
  let k = 0;
  for (const crop of crops) {
    const [a, b, c, d, e, f] = transformRow(crop);
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++, k++) {
        const x = a * i + b * j + c;
        const y = d * i + e * j + f;
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const fx = x - x0;
        const fy = y - y0;
        const corners: [number, number, number][] = [
          [x0, y0, (1 - fx) * (1 - fy)],
          [x0 + 1, y0, fx * (1 - fy)],
          [x0, y0 + 1, (1 - fx) * fy],
          [x0 + 1, y0 + 1, fx * fy],
        ];
        for (let n = 0; n < 4; n++) {
          const [cx, cy, wt] = corners[n];
          const inside = cx >= 0 && cy >= 0 && cx < w && cy < h;
          index[n][k] = inside ? cy * w + cx : 0;
          weight[n][k] = inside ? wt : 0;
        }
      }
    }
  }
  let sum: tf.Tensor2D | undefined;
  for (let n = 0; n < 4; n++) {
    const term = tf.mul(tf.gather(flat, tf.tensor1d(index[n], 'int32')), tf.tensor2d(weight[n], [count, 1])) as tf.Tensor2D;
    sum = sum === undefined ? term : (tf.add(sum, term) as tf.Tensor2D);
  }
  return tf.reshape(sum as tf.Tensor2D, [crops.length, size, size, 3]);
}

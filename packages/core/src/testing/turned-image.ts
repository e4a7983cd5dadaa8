import * as tf from '@tensorflow/tfjs-core';
import { cropFromCentre, imageToCropPoints } from '../geometry/crop.js';
import { cropToTensor } from '../image/crop-tensor.js';
import { imageSize, imageToTensor, type PrnetImageInput } from '../image/to-tensor.js';

/**
 * An image turned about its centre so its content leans by `degrees` (> 0: top to the right on
 * screen), as a [S, S, 3] tensor of 0–255 values (S = the image's width; the caller disposes it),
 * with `points` (flat xyz, image pixels) carried into the turned image. For tests and benchmarks
 * of rolled faces.
 */
export function turnedImage(
  image: PrnetImageInput,
  degrees: number,
  points: ArrayLike<number>,
): { image: tf.Tensor3D; points: Float32Array } {
  const { width, height } = imageSize(image);
  // crop = Rot(θ)(image − c): θ = −degrees turns the content clockwise on screen by `degrees`
  const crop = cropFromCentre(width / 2, height / 2, width, width, (-degrees * Math.PI) / 180);
  const source = imageToTensor(image);
  try {
    const turned = tf.tidy(() => tf.squeeze(tf.mul(cropToTensor(source, [crop]), 255), [0]) as tf.Tensor3D);
    return { image: turned, points: imageToCropPoints(crop, points) };
  } finally {
    source.dispose();
  }
}

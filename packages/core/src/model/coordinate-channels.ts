import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';

/**
 * The two planes that {@link CoordinateChannels} appends, as `[1, height, width, 2]` values: the
 * pixel's column and row, scaled so that pixel centres run from −1 + 1/width to 1 − 1/width
 * (x, channel 0) and likewise in y (channel 1). The caller disposes the tensor.
 */
export function coordinatePlanes(height: number, width: number): tf.Tensor4D {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new InvalidArgumentError(`coordinate planes need positive integer sides, got ${height} × ${width}`);
  }
  const values = new Float32Array(height * width * 2);
  for (let y = 0; y < height; y++) {
    const v = (2 * y + 1) / height - 1;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 2;
      values[o] = (2 * x + 1) / width - 1;
      values[o + 1] = v;
    }
  }
  return tf.tensor4d(values, [1, height, width, 2]);
}

/** `x` (NHWC) with `planes` (`coordinatePlanes` of its side; built when not given) appended to every image. */
export function appendCoordinatePlanes(x: tf.Tensor4D, planes?: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const p = planes ?? coordinatePlanes(h, w);
    return tf.concat([x, n === 1 ? p : tf.tile(p, [n, 1, 1, 1])], 3);
  });
}

/**
 * A layer without weights that appends the pixel coordinates (`coordinatePlanes`) to an NHWC
 * input as two more channels — CoordConv (Liu et al., NeurIPS 2018): the convolution that reads
 * them can tell where in the crop a feature lies, which zero padding alone conveys only weakly.
 * Serialised as class `CoordinateChannels`; {@link registerPrnetLayers} makes tfjs able to load it.
 */
export class CoordinateChannels extends tfl.layers.Layer {
  static className = 'CoordinateChannels';

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length !== 4 || shape[3] === null) {
      throw new InvalidArgumentError(`CoordinateChannels needs an NHWC input with known channels, got [${shape.join(', ')}]`);
    }
    return [shape[0], shape[1], shape[2], (shape[3] as number) + 2];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return appendCoordinatePlanes((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D);
  }
}

let registered = false;

/**
 * Registers the project's own tfjs layer classes (`CoordinateChannels`) with tfjs' serialisation,
 * so that `tf.loadLayersModel` can rebuild models that use them. Idempotent; `loadPrnetNetwork`
 * and `createPrnetLight` call it, so users need it only when loading such a model with tfjs' own
 * loader.
 */
export function registerPrnetLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(CoordinateChannels);
  registered = true;
}

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DisposedError, InvalidArgumentError } from '../errors.js';
import { compileInferencePlan, type InferencePlan } from './inference-plan.js';
import { createPrnetLight, type PrnetLightOptions } from './light.js';
import { defaultMetadata, type PrnetArchitecture, type PrnetModelMetadata } from './metadata.js';
import { createResfcn256, type Resfcn256Options } from './resfcn256.js';

/** A PRNet position-map regressor: a tfjs LayersModel plus what its file says about it. */
export interface PrnetNetwork {
  readonly metadata: PrnetModelMetadata;
  /** The underlying model (trainable; input `[N, S, S, 3]`, output sigmoid `[N, R, R, 3]`). */
  readonly model: tfl.LayersModel;
  /**
   * Runs the network. `batch`: `[N, S, S, 3]` float32 RGB in [0, 1], S = `metadata.inputSize`.
   * Returns `[N, R, R, 3]` positions in crop pixels (inputSize × (sigmoid × outputScale − outputOffset)),
   * R = `metadata.uvResolution`; the caller disposes it. Throws `InvalidArgumentError` on a
   * wrong shape or dtype and `DisposedError` after `dispose()`.
   */
  predictPositionMaps(batch: tf.Tensor4D): tf.Tensor4D;
  /** Frees the model's weights (and the inference plan's). Safe to call twice. */
  dispose(): void;
}

/** Options of {@link wrapPrnetNetwork}, {@link createPrnetNetwork} and `loadPrnetNetwork`. */
export interface PrnetNetworkOptions {
  /**
   * Predict through a frozen inference plan (`compileInferencePlan`: BatchNorm folded,
   * activations fused; 2–3× faster on wasm) instead of `model.predict`. The plan snapshots the
   * weights, so leave this off for a network that is being trained.
   * Default false for `createPrnetNetwork`/`wrapPrnetNetwork`, true for `loadPrnetNetwork`.
   */
  compile?: boolean;
}

/**
 * Wraps a LayersModel and its metadata as a `PrnetNetwork`; the network owns the model from
 * then on (its `dispose()` disposes the model). Throws `InvalidArgumentError` when the model's
 * input/output shapes disagree with the metadata.
 */
export function wrapPrnetNetwork(
  model: tfl.LayersModel,
  metadata: PrnetModelMetadata,
  options: PrnetNetworkOptions = {},
): PrnetNetwork {
  const S = metadata.inputSize;
  const R = metadata.uvResolution;
  const inShape = model.inputs.length === 1 ? model.inputs[0].shape : undefined;
  const outShape = model.outputs.length === 1 ? model.outputs[0].shape : undefined;
  if (!inShape || inShape.length !== 4 || inShape[1] !== S || inShape[2] !== S || inShape[3] !== 3) {
    throw new InvalidArgumentError(
      `model input shape ${JSON.stringify(inShape)} does not match metadata inputSize ${S} ([N, ${S}, ${S}, 3])`,
    );
  }
  if (!outShape || outShape.length !== 4 || outShape[1] !== R || outShape[2] !== R || outShape[3] !== 3) {
    throw new InvalidArgumentError(
      `model output shape ${JSON.stringify(outShape)} does not match metadata uvResolution ${R} ([N, ${R}, ${R}, 3])`,
    );
  }
  const plan: InferencePlan | undefined = options.compile ? compileInferencePlan(model) : undefined;
  const scale = S * metadata.outputScale;
  const offset = S * metadata.outputOffset;
  let disposed = false;
  return {
    metadata,
    model,
    predictPositionMaps(batch: tf.Tensor4D): tf.Tensor4D {
      if (disposed) throw new DisposedError('PrnetNetwork');
      const shape = batch.shape;
      if (shape.length !== 4 || shape[0] < 1 || shape[1] !== S || shape[2] !== S || shape[3] !== 3) {
        throw new InvalidArgumentError(`predictPositionMaps expects [N, ${S}, ${S}, 3], got [${shape.join(', ')}]`);
      }
      if (batch.dtype !== 'float32') {
        throw new InvalidArgumentError(`predictPositionMaps expects float32 input, got ${batch.dtype}`);
      }
      return tf.tidy(() => {
        const sigmoid = plan ? plan.execute(batch) : (model.predict(batch) as tf.Tensor4D);
        return offset === 0 ? tf.mul(sigmoid, scale) : tf.sub(tf.mul(sigmoid, scale), offset);
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      plan?.dispose();
      model.dispose();
    },
  };
}

/** Options of {@link createPrnetNetwork}. */
export interface CreatePrnetNetworkOptions extends PrnetNetworkOptions {
  /** Network input side S. Default 256 for resfcn256, 128 for prnet-light. */
  inputSize?: number;
  /** Metadata description. Default "untrained <architecture> (random initialisation)". */
  description?: string;
  /** Architecture options for prnet-light (its `inputSize` is overridden by the one above). */
  light?: PrnetLightOptions;
  /** Architecture options for resfcn256 (its `inputSize` is overridden by the one above). */
  resfcn256?: Resfcn256Options;
}

/** A fresh, random-initialised network of `architecture` with its metadata (`trained: false`). */
export function createPrnetNetwork(
  architecture: PrnetArchitecture,
  options: CreatePrnetNetworkOptions = {},
): PrnetNetwork {
  let model: tfl.LayersModel;
  let inputSize: number;
  if (architecture === 'resfcn256') {
    inputSize = options.inputSize ?? options.resfcn256?.inputSize ?? 256;
    model = createResfcn256({ ...options.resfcn256, inputSize });
  } else if (architecture === 'prnet-light') {
    inputSize = options.inputSize ?? options.light?.inputSize ?? 128;
    model = createPrnetLight({ ...options.light, inputSize });
  } else {
    throw new InvalidArgumentError(`unknown PRNet architecture ${JSON.stringify(architecture)}`);
  }
  const metadata = defaultMetadata(architecture, inputSize, { description: options.description });
  try {
    return wrapPrnetNetwork(model, metadata, options);
  } catch (error) {
    model.dispose();
    throw error;
  }
}

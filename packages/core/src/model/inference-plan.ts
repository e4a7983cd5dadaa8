import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { appendCoordinatePlanes, coordinatePlanes } from './coordinate-channels.js';

type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid';

/** A compiled forward pass of a LayersModel: BatchNorm folded, activations fused. */
export interface InferencePlan {
  /** Runs the network on `[N, S, S, C]`; returns a new tensor (caller disposes). Pure: no tensors leak. */
  execute(input: tf.Tensor4D): tf.Tensor4D;
  /** Number of ops after folding (for diagnostics). */
  readonly opCount: number;
  /**
   * Diagnostics: runs the plan once op by op, waiting for each, and returns each op's wall time
   * (ms) under the name of the layer whose output it produces. Leaks no tensors.
   */
  profile(input: tf.Tensor4D): { name: string; ms: number }[];
  /** Frees the folded weights. Safe to call twice. */
  dispose(): void;
}

type Env = Map<string, tf.Tensor4D>;
/** Values in the plan's environment are 4D except the template branch's pooled/dense (2D) ones. */
const asEnvTensor = (t: tf.Tensor): tf.Tensor4D => t as tf.Tensor4D;
interface Op {
  output: string;
  run(env: Env): tf.Tensor4D;
}

// Minimal structural views of tfjs-layers internals that the public typings do not expose.
interface LayerLike {
  name: string;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  getWeights(): tf.Tensor[];
  weights: { name: string }[];
  inboundNodes: { inboundLayers: LayerLike[] }[];
  outboundNodes: unknown[];
}

function inputsOf(layer: LayerLike): string[] {
  return (layer.inboundNodes[0]?.inboundLayers ?? []).map((l) => l.name);
}

function activationOf(layer: LayerLike): Activation | undefined {
  const name = layer.getConfig().activation;
  if (name === undefined || name === null || name === 'linear') return 'linear';
  if (name === 'relu' || name === 'relu6' || name === 'sigmoid') return name;
  return undefined;
}

/** `relu` / `relu6` for a plain ReLU layer, undefined for a leaky or thresholded one. */
function reluKind(layer: LayerLike): 'relu' | 'relu6' | undefined {
  if (layer.getClassName() === 'ReLU') {
    const max = layer.getConfig().maxValue;
    if (max === undefined || max === null) return 'relu';
    if (max === 6) return 'relu6';
    return undefined;
  }
  if (layer.getClassName() === 'Activation') {
    const a = layer.getConfig().activation;
    if (a === 'relu' || a === 'relu6') return a;
  }
  return undefined;
}

function applyActivation(x: tf.Tensor4D, activation: Activation): tf.Tensor4D {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
  }
}

/** BatchNorm in inference mode as a per-channel affine map: [scale, offset], both [C]. */
function batchNormAffine(bn: LayerLike): [tf.Tensor1D, tf.Tensor1D] {
  const config = bn.getConfig();
  const axis = config.axis;
  if (axis !== -1 && axis !== 3) {
    throw new InvalidArgumentError(`cannot fold BatchNormalization ${bn.name} over axis ${String(axis)}`);
  }
  const epsilon = (config.epsilon as number | undefined) ?? 1e-3;
  // tfjs-layers' weight order: [gamma if scale], [beta if center], moving mean, moving variance.
  // (Positions, not names: variable names get uniquifying suffixes.)
  const values = [...bn.getWeights()];
  const gamma = config.scale === false ? undefined : (values.shift() as tf.Tensor1D);
  const beta = config.center === false ? undefined : (values.shift() as tf.Tensor1D);
  const [mean, variance] = values as tf.Tensor1D[];
  if (!mean || !variance) throw new InvalidArgumentError(`BatchNormalization ${bn.name} has no moving statistics`);
  let scale: tf.Tensor1D = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
  if (gamma) scale = tf.mul(scale, gamma) as tf.Tensor1D;
  let offset: tf.Tensor1D = tf.neg(tf.mul(mean, scale)) as tf.Tensor1D;
  if (beta) offset = tf.add(offset, beta) as tf.Tensor1D;
  return [scale, offset];
}

/**
 * Compiles a functional LayersModel made of Conv2D, DepthwiseConv2D, Conv2DTranspose,
 * BatchNormalization, ReLU, Activation, Add, UpSampling2D, GlobalAveragePooling2D, Dense,
 * Reshape and CoordinateChannels layers (channels-last) into a
 * frozen inference plan: every BatchNorm that is a conv's only consumer is folded into the
 * conv's kernel and bias, and a following ReLU/ReLU6 (or the conv's own activation) is fused
 * into the conv kernel call. This removes most of the per-layer overhead of `model.predict`.
 *
 * The plan snapshots the weights: later changes to `model` (training) are not seen.
 * Throws `InvalidArgumentError` for any other layer type or a multi-input/-output model.
 */
export function compileInferencePlan(model: tfl.LayersModel): InferencePlan {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new InvalidArgumentError('compileInferencePlan needs a single-input, single-output model');
  }
  const layers = model.layers as unknown as LayerLike[];
  const consumers = new Map<string, LayerLike[]>();
  for (const layer of layers) {
    if (layer.inboundNodes.length > 1) {
      throw new InvalidArgumentError(`layer ${layer.name} is shared; compileInferencePlan does not support that`);
    }
    for (const name of inputsOf(layer)) consumers.set(name, [...(consumers.get(name) ?? []), layer]);
  }
  const onlyConsumer = (layer: LayerLike): LayerLike | undefined => {
    const list = consumers.get(layer.name) ?? [];
    return list.length === 1 && layer.outboundNodes.length === 1 ? list[0] : undefined;
  };
  const outputName = (model.outputLayers[0] as unknown as LayerLike).name;
  const inputName = (model.inputLayers[0] as unknown as LayerLike).name;

  const kept: tf.Tensor[] = [];
  /** Keeps a private copy (a clone shares the data), so disposing the plan never frees the model's variables. */
  const keep = <T extends tf.Tensor>(t: T): T => {
    const copy = tf.keep(tf.clone(t));
    kept.push(copy);
    return copy;
  };
  const ops: Op[] = [];
  /** Layer names folded into an earlier op, mapped to the name whose value they take. */
  const alias = new Map<string, string>();
  const resolve = (name: string): string => alias.get(name) ?? name;

  try {
    tf.tidy(() => {
      for (const layer of layers) {
        const kind = layer.getClassName();
        if (alias.has(layer.name) || kind === 'InputLayer') continue;
        const config = layer.getConfig();
        const sources = inputsOf(layer).map(resolve);
        if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
          throw new InvalidArgumentError(`layer ${layer.name} is not channels-last`);
        }
        if (kind === 'Conv2D' || kind === 'DepthwiseConv2D' || kind === 'Conv2DTranspose') {
          const dilation = config.dilationRate as number[] | number | undefined;
          if (dilation !== undefined && [dilation].flat().some((d) => d !== 1)) {
            throw new InvalidArgumentError(`layer ${layer.name} is dilated`);
          }
          if (kind === 'DepthwiseConv2D' && (config.depthMultiplier ?? 1) !== 1) {
            throw new InvalidArgumentError(`layer ${layer.name} has a depth multiplier`);
          }
          const values = layer.getWeights();
          let kernel = values[0] as tf.Tensor4D;
          // Output channels lie on axis 3 (conv), 2 (depthwise, multiplier 1; transposed conv).
          const outAxis = kind === 'Conv2D' ? 3 : 2;
          const channels = kernel.shape[outAxis];
          let bias: tf.Tensor1D = config.useBias ? (values[1] as tf.Tensor1D) : tf.zeros([channels]);
          let activation = activationOf(layer);
          if (activation === undefined) {
            throw new InvalidArgumentError(`layer ${layer.name} has an unsupported activation`);
          }
          let last = layer;
          const next = onlyConsumer(layer);
          if (activation === 'linear' && next?.getClassName() === 'BatchNormalization') {
            const [scale, offset] = batchNormAffine(next);
            const shape = [1, 1, 1, 1];
            shape[outAxis] = channels;
            kernel = tf.mul(kernel, tf.reshape(scale, shape));
            bias = tf.add(tf.mul(bias, scale), offset);
            alias.set(next.name, layer.name);
            last = next;
          }
          const after = onlyConsumer(last);
          const fusedRelu = activation === 'linear' && after ? reluKind(after) : undefined;
          if (fusedRelu && after) {
            activation = fusedRelu;
            alias.set(after.name, layer.name);
          }
          const k = keep(kernel);
          const b = keep(bias);
          const strides = config.strides as [number, number];
          const padding = config.padding as 'same' | 'valid';
          const act = activation;
          const source = sources[0];
          if (kind === 'Conv2D') {
            ops.push({
              output: layer.name,
              run: (env) =>
                tf.fused.conv2d({ x: env.get(source)!, filter: k, strides, pad: padding, bias: b, activation: act }),
            });
          } else if (kind === 'DepthwiseConv2D') {
            ops.push({
              output: layer.name,
              run: (env) =>
                tf.fused.depthwiseConv2d({
                  x: env.get(source)!,
                  filter: k,
                  strides,
                  pad: padding,
                  bias: b,
                  activation: act,
                }),
            });
          } else {
            ops.push({
              output: layer.name,
              run: (env) => {
                const x = env.get(source)!;
                const [n, h, w] = x.shape;
                const shape: [number, number, number, number] =
                  padding === 'same'
                    ? [n, h * strides[0], w * strides[1], channels]
                    : [n, (h - 1) * strides[0] + k.shape[0], (w - 1) * strides[1] + k.shape[1], channels];
                return applyActivation(tf.add(tf.conv2dTranspose(x, k, shape, strides, padding), b), act);
              },
            });
          }
        } else if (kind === 'BatchNormalization') {
          const [scale, offset] = batchNormAffine(layer);
          const s = keep(scale);
          const o = keep(offset);
          const after = onlyConsumer(layer);
          const relu = after ? reluKind(after) : undefined;
          if (relu && after) alias.set(after.name, layer.name);
          const source = sources[0];
          ops.push({
            output: layer.name,
            run: (env) => applyActivation(tf.add(tf.mul(env.get(source)!, s), o), relu ?? 'linear'),
          });
        } else if (kind === 'ReLU' || kind === 'Activation') {
          const act: Activation | undefined = kind === 'ReLU' ? reluKind(layer) : activationOf(layer);
          if (act === undefined) throw new InvalidArgumentError(`layer ${layer.name} has an unsupported activation`);
          const source = sources[0];
          ops.push({ output: layer.name, run: (env) => applyActivation(env.get(source)!, act) });
        } else if (kind === 'Add') {
          ops.push({
            output: layer.name,
            run: (env) => tf.addN(sources.map((s) => env.get(s)!)) as tf.Tensor4D,
          });
        } else if (kind === 'UpSampling2D') {
          const [sy, sx] = config.size as [number, number];
          const bilinear = config.interpolation === 'bilinear';
          const source = sources[0];
          ops.push({
            output: layer.name,
            run: (env) => {
              const x = env.get(source)!;
              const size: [number, number] = [x.shape[1] * sy, x.shape[2] * sx];
              return bilinear ? tf.image.resizeBilinear(x, size) : tf.image.resizeNearestNeighbor(x, size);
            },
          });
        } else if (kind === 'GlobalAveragePooling2D') {
          const source = sources[0];
          ops.push({ output: layer.name, run: (env) => asEnvTensor(tf.mean(env.get(source)!, [1, 2])) });
        } else if (kind === 'Dense') {
          const act = activationOf(layer);
          if (act === undefined) throw new InvalidArgumentError(`layer ${layer.name} has an unsupported activation`);
          const values = layer.getWeights();
          const k = keep(values[0] as tf.Tensor2D);
          const b = config.useBias ? keep(values[1] as tf.Tensor1D) : undefined;
          const source = sources[0];
          ops.push({
            output: layer.name,
            run: (env) =>
              asEnvTensor(tf.fused.matMul({ a: env.get(source)! as tf.Tensor as tf.Tensor2D, b: k, bias: b, activation: act })),
          });
        } else if (kind === 'CoordinateChannels') {
          const source = sources[0];
          const [, h, w] = (layer as unknown as { input: { shape: (number | null)[] } }).input.shape;
          // Built once for a fixed input side; per call (inside execute's tidy) otherwise.
          const fixed = typeof h === 'number' && typeof w === 'number' ? keep(coordinatePlanes(h, w)) : undefined;
          ops.push({
            output: layer.name,
            run: (env) => {
              const x = env.get(source)!;
              const fits = fixed && fixed.shape[1] === x.shape[1] && fixed.shape[2] === x.shape[2];
              return appendCoordinatePlanes(x, fits ? fixed : undefined);
            },
          });
        } else if (kind === 'Reshape') {
          const target = config.targetShape as number[];
          const source = sources[0];
          ops.push({ output: layer.name, run: (env) => asEnvTensor(tf.reshape(env.get(source)!, [-1, ...target])) });
        } else {
          throw new InvalidArgumentError(`compileInferencePlan does not support ${kind} layers (${layer.name})`);
        }
      }
    });
  } catch (error) {
    for (const t of kept) t.dispose();
    throw error;
  }

  const finalName = resolve(outputName);
  let disposed = false;
  return {
    opCount: ops.length,
    profile(input: tf.Tensor4D): { name: string; ms: number }[] {
      const times: { name: string; ms: number }[] = [];
      tf.tidy(() => {
        const env: Env = new Map([[inputName, input]]);
        for (const op of ops) {
          const t0 = performance.now();
          const y = op.run(env);
          y.dataSync();
          times.push({ name: op.output, ms: performance.now() - t0 });
          env.set(op.output, y);
        }
      });
      return times;
    },
    execute(input: tf.Tensor4D): tf.Tensor4D {
      if (disposed) throw new InvalidArgumentError('the inference plan has been disposed');
      return tf.tidy(() => {
        const env: Env = new Map([[inputName, input]]);
        for (const op of ops) env.set(op.output, op.run(env));
        return env.get(finalName)!;
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const t of kept) t.dispose();
      kept.length = 0;
    },
  };
}

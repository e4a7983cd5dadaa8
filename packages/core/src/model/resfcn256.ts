import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';

/** Options for {@link createResfcn256}. */
export interface Resfcn256Options {
  /** Side S of the square input crop and of the output position map, pixels. Default 256 (PRNet). */
  inputSize?: number;
  /** Channels of the first conv; every later width is a multiple of it. Default 16 (PRNet). */
  baseChannels?: number;
  /**
   * Momentum of the BatchNorm moving averages. Default 0.99 (PRNet's TF-slim used 0.999, which
   * needs many thousands of steps before the inference statistics settle).
   */
  batchNormMomentum?: number;
  /** Model name. Default 'resfcn256'. */
  name?: string;
}

/** TF-slim's batch_norm epsilon, used by PRNet. */
const BN_EPSILON = 0.001;

interface Ctx {
  momentum: number;
  index: number;
}

function convBnRelu(
  ctx: Ctx,
  x: tfl.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  prefix: string,
): tfl.SymbolicTensor {
  const conv = tfl.layers.conv2d({
    filters,
    kernelSize,
    strides,
    padding: 'same',
    useBias: false,
    name: `${prefix}_conv`,
  });
  const bn = tfl.layers.batchNormalization({ epsilon: BN_EPSILON, momentum: ctx.momentum, name: `${prefix}_bn` });
  const relu = tfl.layers.reLU({ name: `${prefix}_relu` });
  return relu.apply(bn.apply(conv.apply(x))) as tfl.SymbolicTensor;
}

/**
 * PRNet's residual block: shortcut (1×1 conv, no BN, when the stride or width changes) plus
 * [1×1 conv n/2 → BN → ReLU → k×k conv n/2 stride s → BN → ReLU → 1×1 conv n], added, then BN + ReLU.
 */
function resBlock(ctx: Ctx, x: tfl.SymbolicTensor, filters: number, strides: number): tfl.SymbolicTensor {
  const prefix = `res${++ctx.index}`;
  const inChannels = x.shape[3];
  let shortcut = x;
  if (strides !== 1 || inChannels !== filters) {
    shortcut = tfl.layers
      .conv2d({ filters, kernelSize: 1, strides, padding: 'same', useBias: false, name: `${prefix}_shortcut` })
      .apply(x) as tfl.SymbolicTensor;
  }
  let y = convBnRelu(ctx, x, filters / 2, 1, 1, `${prefix}_a`);
  y = convBnRelu(ctx, y, filters / 2, 4, strides, `${prefix}_b`);
  y = tfl.layers
    .conv2d({ filters, kernelSize: 1, strides: 1, padding: 'same', useBias: false, name: `${prefix}_c_conv` })
    .apply(y) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({ name: `${prefix}_add` }).apply([y, shortcut]) as tfl.SymbolicTensor;
  const bn = tfl.layers.batchNormalization({ epsilon: BN_EPSILON, momentum: ctx.momentum, name: `${prefix}_bn` });
  return tfl.layers.reLU({ name: `${prefix}_relu` }).apply(bn.apply(sum)) as tfl.SymbolicTensor;
}

function deconvBnRelu(ctx: Ctx, x: tfl.SymbolicTensor, filters: number, strides: number): tfl.SymbolicTensor {
  const prefix = `deconv${++ctx.index}`;
  const conv = tfl.layers.conv2dTranspose({
    filters,
    kernelSize: 4,
    strides,
    padding: 'same',
    useBias: false,
    name: `${prefix}_conv`,
  });
  const bn = tfl.layers.batchNormalization({ epsilon: BN_EPSILON, momentum: ctx.momentum, name: `${prefix}_bn` });
  return tfl.layers.reLU({ name: `${prefix}_relu` }).apply(bn.apply(conv.apply(x))) as tfl.SymbolicTensor;
}

/**
 * PRNet's `resfcn256` encoder–decoder (Feng et al. 2018, `predictor.py`), random-initialised
 * (Glorot uniform, like TF-slim).
 *
 * Input `[N, S, S, 3]` float32 RGB in [0, 1] (S = 256); output `[N, S, S, 3]` sigmoid activations
 * in [0, 1] (a position map, see `conventions.ts`).
 *
 * Encoder: 4×4 conv 16 (stride 1), then 10 residual blocks 32 s2, 32, 64 s2, 64, 128 s2, 128,
 * 256 s2, 256, 512 s2, 512 → `[N, S/32, S/32, 512]`. Decoder: 17 4×4 'same' transposed convs
 * 512; 256 s2, 256, 256; 128 s2, 128, 128; 64 s2, 64, 64; 32 s2, 32; 16 s2, 16; 3, 3; and the
 * output layer `position_map`. Every conv except the residual blocks' last 1×1 and shortcut
 * is followed by BatchNorm + ReLU; convs have no bias (as in PRNet).
 *
 * One deliberate difference: PRNet batch-normalises its last layer before the sigmoid; here the
 * last layer `position_map` is a transposed conv with a bias and a sigmoid (no BN), so that the
 * bias can be set to the mean position map before training (`setPositionMapBias`). At inference
 * the two are the same family of functions (a per-channel affine map folded into the layer).
 *
 * With the defaults the model has 13,365,499 weights (13,353,615 trainable; the rest are BatchNorm
 * moving statistics).
 */
export function createResfcn256(options: Resfcn256Options = {}): tfl.LayersModel {
  const size = options.inputSize ?? 256;
  const c = options.baseChannels ?? 16;
  if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) {
    throw new InvalidArgumentError(`resfcn256 inputSize must be a positive multiple of 32, got ${size}`);
  }
  const ctx: Ctx = { momentum: options.batchNormMomentum ?? 0.99, index: 0 };
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });

  let x = convBnRelu(ctx, input, c, 4, 1, 'stem');
  const encoder: [number, number][] = [
    [2, 2], [2, 1], [4, 2], [4, 1], [8, 2], [8, 1], [16, 2], [16, 1], [32, 2], [32, 1],
  ];
  for (const [mult, stride] of encoder) x = resBlock(ctx, x, c * mult, stride);

  ctx.index = 0;
  const decoder: [number, number][] = [
    [32, 1],
    [16, 2], [16, 1], [16, 1],
    [8, 2], [8, 1], [8, 1],
    [4, 2], [4, 1], [4, 1],
    [2, 2], [2, 1],
    [1, 2], [1, 1],
  ];
  for (const [mult, stride] of decoder) x = deconvBnRelu(ctx, x, c * mult, stride);
  x = deconvBnRelu(ctx, x, 3, 1);
  x = deconvBnRelu(ctx, x, 3, 1);
  const output = tfl.layers
    .conv2dTranspose({
      filters: 3,
      kernelSize: 4,
      strides: 1,
      padding: 'same',
      useBias: true,
      activation: 'sigmoid',
      name: 'position_map',
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: options.name ?? 'resfcn256' });
}

import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { CoordinateChannels, registerPrnetLayers } from './coordinate-channels.js';

/** Options for {@link createPrnetLight}. */
export interface PrnetLightOptions {
  /** Side S of the square input crop and of the output position map, pixels. Default 128. */
  inputSize?: number;
  /**
   * Channels at resolutions S/2, S/4, S/8, S/16, S/32 (encoder and decoder share them).
   * Default [16, 32, 80, 224, 512].
   */
  widths?: readonly number[];
  /**
   * Residual separable blocks after the downsampling block of each level (same indexing as
   * `widths`). Default [0, 1, 2, 3, 4].
   */
  encoderBlocks?: readonly number[];
  /**
   * Separable blocks after the decoder's merge at resolution S/2^(i+1), i = 0 … widths.length − 2
   * (index 0 is S/2). Default [1, 1, 2, 2].
   */
  decoderBlocks?: readonly number[];
  /** Channels of the full-resolution head before the output conv. Default 16. */
  headChannels?: number;
  /**
   * Whether the head runs a separable block at full resolution (after upsampling) rather than a
   * 1×1 conv at S/2 (before upsampling). Default false (the full-resolution block costs ≈2 ms on wasm).
   */
  fullResolutionBlock?: boolean;
  /** Interpolation of the ×2 upsampling layers. Default 'bilinear'. */
  upsampling?: 'nearest' | 'bilinear';
  /** Momentum of the BatchNorm moving averages. Default 0.99. */
  batchNormMomentum?: number;
  /**
   * Whether the output adds a learned UV template: a per-pixel bias (the `uv_template` Dense
   * layer on the image's mean colour, reshaped to S×S×3) added to the head's logits before the
   * sigmoid. Initialised to zero; setting its bias to the mean face's logits makes the network
   * regress the residual from the mean face (and an untrained network output the mean face).
   * Default true.
   */
  template?: boolean;
  /**
   * Whether the stem convolution also reads the crop's pixel coordinates: a `coordinates` layer
   * (`CoordinateChannels`, no weights) appends x and y in [−1, 1] to the RGB input (CoordConv), so
   * the network can place the face by where its features lie, not only through the zero padding.
   * Adds 2 × 9 × widths[0] weights. Default false.
   */
  coordinateChannels?: boolean;
  /** Model name. Default 'prnet-light'. */
  name?: string;
}

const DEFAULTS = {
  inputSize: 128,
  widths: [16, 32, 80, 224, 512],
  encoderBlocks: [0, 1, 2, 3, 4],
  decoderBlocks: [1, 1, 2, 2],
  headChannels: 16,
  fullResolutionBlock: false,
  upsampling: 'bilinear',
  batchNormMomentum: 0.99,
  template: true,
  coordinateChannels: false,
} as const;

const BN_EPSILON = 0.001;

class Builder {
  private count = 0;
  private scope = '';
  private inScope = 0;
  /** Layer name → its place in the architecture (`enc2/res1/bn4`), independent of the block counts. */
  readonly scopes = new Map<string, string>();
  constructor(private readonly momentum: number) {}

  /** Names the following layers' place: `stem`, `enc<level>/down`, `enc<level>/res<i>`, … */
  enter(scope: string): void {
    this.scope = scope;
    this.inScope = 0;
  }

  private name(kind: string): string {
    const name = `${kind}_${++this.count}`;
    this.scopes.set(name, `${this.scope}/${kind}${this.inScope++}`);
    return name;
  }

  bn(x: tfl.SymbolicTensor): tfl.SymbolicTensor {
    return tfl.layers
      .batchNormalization({ epsilon: BN_EPSILON, momentum: this.momentum, name: this.name('bn') })
      .apply(x) as tfl.SymbolicTensor;
  }

  relu(x: tfl.SymbolicTensor): tfl.SymbolicTensor {
    return tfl.layers.reLU({ name: this.name('relu') }).apply(x) as tfl.SymbolicTensor;
  }

  /** k×k conv (no bias) → BN, then ReLU when `relu`. */
  conv(x: tfl.SymbolicTensor, filters: number, kernelSize: number, strides: number, relu: boolean): tfl.SymbolicTensor {
    const y = tfl.layers
      .conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, name: this.name('conv') })
      .apply(x) as tfl.SymbolicTensor;
    const z = this.bn(y);
    return relu ? this.relu(z) : z;
  }

  /** 3×3 depthwise (stride s) → BN → ReLU → 1×1 conv → BN, then ReLU when `relu`. */
  separable(x: tfl.SymbolicTensor, filters: number, strides: number, relu: boolean): tfl.SymbolicTensor {
    const dw = tfl.layers
      .depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false, name: this.name('dwconv') })
      .apply(x) as tfl.SymbolicTensor;
    return this.conv(this.relu(this.bn(dw)), filters, 1, 1, relu);
  }

  /** Residual separable block: ReLU(x + separable(x)). */
  residual(x: tfl.SymbolicTensor): tfl.SymbolicTensor {
    const y = this.separable(x, x.shape[3] as number, 1, false);
    return this.relu(tfl.layers.add({ name: this.name('add') }).apply([x, y]) as tfl.SymbolicTensor);
  }

  upsample(x: tfl.SymbolicTensor, interpolation: 'nearest' | 'bilinear'): tfl.SymbolicTensor {
    return tfl.layers
      .upSampling2d({ size: [2, 2], interpolation, name: this.name('upsample') })
      .apply(x) as tfl.SymbolicTensor;
  }

  add(a: tfl.SymbolicTensor, b: tfl.SymbolicTensor): tfl.SymbolicTensor {
    return tfl.layers.add({ name: this.name('add') }).apply([a, b]) as tfl.SymbolicTensor;
  }
}

/**
 * The light PRNet: a U-Net of depthwise-separable convolutions for real-time use on CPU
 * (tfjs wasm) and in browsers (webgl). Only fast ops: regular and depthwise convs, BatchNorm
 * (foldable into the convs), ReLU, Add, and ×2 `UpSampling2D` — no transposed convs.
 *
 * Input `[N, S, S, 3]` float32 RGB in [0, 1] (S = 128); output `[N, S, S, 3]` sigmoid activations
 * in [0, 1] (a position map at UV resolution S, see `conventions.ts`).
 *
 * Encoder: 3×3 conv stride 2 to S/2 (with `coordinateChannels`, over RGB plus the pixel
 * coordinates), then per level (S/4 … S/32) a stride-2 separable block and `encoderBlocks`
 * residual separable blocks. Decoder, from S/32 up to S/2: 1×1 conv to the next
 * level's width (at the low resolution, where it is cheap), ×2 upsampling, add the encoder's
 * feature map of that resolution (skip connection), ReLU, `decoderBlocks` separable blocks.
 * Head: ×2 upsampling to S (by default of the S/2 features, 1×1-projected to `headChannels` when
 * they differ) and a 3×3 Conv2D with bias. With `template` (default) its logits are added to a
 * learned per-pixel UV template (`uv_template`) before the sigmoid `position_map` layer; without,
 * the conv itself is `position_map` with a sigmoid.
 *
 * With the defaults: 1,669,683 weights (1,652,275 trainable; 6.7 MB float32, 3.3 MB float16);
 * ≈7 ms per 128² face (batch 1; 6.5 ms/face at batch 8) on tfjs-wasm (one thread, Node)
 * through `compileInferencePlan`, vs ≈2.7 s for resfcn256 at 256².
 */
export function createPrnetLight(options: PrnetLightOptions = {}): tfl.LayersModel {
  return buildPrnetLight(options).model;
}

/**
 * Where each layer of `createPrnetLight(options)` sits in the architecture: layer name →
 * scope such as `stem/conv0`, `enc2/down/dwconv0`, `enc3/res1/bn4` (encoder level 3, its second
 * residual block, the block's fifth layer), `dec1/merge/add2`, `dec1/block0/conv3`, `head/upsample0`.
 * Layers with fixed names (`image`, `uv_template`, `position_map`, …) are absent. The scopes do
 * not depend on the widths or on the block counts of other levels, so they match the layers of
 * two prnet-light variants (tools that grow a trained network use this). Builds the model once
 * and disposes it.
 */
export function prnetLightLayerScopes(options: PrnetLightOptions = {}): Map<string, string> {
  const { model, scopes } = buildPrnetLight(options);
  model.dispose();
  return scopes;
}

function buildPrnetLight(options: PrnetLightOptions): { model: tfl.LayersModel; scopes: Map<string, string> } {
  const size = options.inputSize ?? DEFAULTS.inputSize;
  const widths = options.widths ?? DEFAULTS.widths;
  const encoderBlocks = options.encoderBlocks ?? DEFAULTS.encoderBlocks;
  const decoderBlocks = options.decoderBlocks ?? DEFAULTS.decoderBlocks;
  const headChannels = options.headChannels ?? DEFAULTS.headChannels;
  const interpolation = options.upsampling ?? DEFAULTS.upsampling;
  const levels = widths.length;
  if (encoderBlocks.length !== levels || decoderBlocks.length !== levels - 1) {
    throw new InvalidArgumentError(
      `prnet-light needs encoderBlocks per width (${levels}) and decoderBlocks per decoder level (${levels - 1})`,
    );
  }
  const factor = 2 ** levels;
  if (!Number.isInteger(size) || size < factor || size % factor !== 0) {
    throw new InvalidArgumentError(`prnet-light inputSize must be a positive multiple of ${factor}, got ${size}`);
  }
  const b = new Builder(options.batchNormMomentum ?? DEFAULTS.batchNormMomentum);
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });
  let stemInput = input;
  if (options.coordinateChannels ?? DEFAULTS.coordinateChannels) {
    registerPrnetLayers();
    stemInput = new CoordinateChannels({ name: 'coordinates' }).apply(input) as tfl.SymbolicTensor;
  }

  // Encoder: skips[i] has resolution S / 2^(i+1) and widths[i] channels.
  const skips: tfl.SymbolicTensor[] = [];
  b.enter('stem');
  let x = b.conv(stemInput, widths[0], 3, 2, true);
  for (let level = 0; level < levels; level++) {
    b.enter(`enc${level}/down`);
    if (level > 0) x = b.separable(x, widths[level], 2, true);
    for (let i = 0; i < encoderBlocks[level]; i++) {
      b.enter(`enc${level}/res${i}`);
      x = b.residual(x);
    }
    skips.push(x);
  }

  // Decoder: back up to S/2, merging the skips by addition.
  for (let level = levels - 2; level >= 0; level--) {
    b.enter(`dec${level}/merge`);
    const projected = b.conv(x, widths[level], 1, 1, false);
    x = b.relu(b.add(b.upsample(projected, interpolation), skips[level]));
    for (let i = 0; i < decoderBlocks[level]; i++) {
      b.enter(`dec${level}/block${i}`);
      x = b.separable(x, widths[level], 1, true);
    }
  }

  // Head at full resolution.
  b.enter('head');
  if (options.fullResolutionBlock ?? DEFAULTS.fullResolutionBlock) {
    x = b.separable(b.upsample(x, interpolation), headChannels, 1, true);
  } else {
    if (headChannels !== widths[0]) x = b.conv(x, headChannels, 1, 1, true);
    x = b.upsample(x, interpolation);
  }
  const template = options.template ?? DEFAULTS.template;
  const head = tfl.layers
    .conv2d({
      filters: 3,
      kernelSize: 3,
      padding: 'same',
      useBias: true,
      activation: template ? 'linear' : 'sigmoid',
      name: template ? 'position_map_residual' : 'position_map',
    })
    .apply(x) as tfl.SymbolicTensor;
  let output = head;
  if (template) {
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'uv_template_pool' }).apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers
      .dense({ units: size * size * 3, kernelInitializer: 'zeros', biasInitializer: 'zeros', name: 'uv_template' })
      .apply(pooled) as tfl.SymbolicTensor;
    const map = tfl.layers.reshape({ targetShape: [size, size, 3], name: 'uv_template_map' }).apply(flat) as tfl.SymbolicTensor;
    const logits = tfl.layers.add({ name: 'position_map_logits' }).apply([head, map]) as tfl.SymbolicTensor;
    output = tfl.layers.activation({ activation: 'sigmoid', name: 'position_map' }).apply(logits) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: output, name: options.name ?? 'prnet-light' });
  return { model, scopes: b.scopes };
}

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  createPrnetLight,
  InvalidArgumentError,
  prnetLightLayerScopes,
  wrapPrnetNetwork,
  type PrnetLightOptions,
  type PrnetNetwork,
} from '@prnet/core';
import { initNodeBackend, loadPrnetNetworkFromFile, savePrnetNetworkToFile } from '@prnet/core/node';

/** The options of `createPrnetLight` that a grown network may change, and the ones it keeps. */
export interface LightArchitecture {
  inputSize: number;
  widths: number[];
  encoderBlocks: number[];
  decoderBlocks: number[];
  /** Present (true) when the stem also reads the pixel coordinates (`createPrnetLight`'s `coordinateChannels`). */
  coordinateChannels?: true;
}

/** Options of {@link growPrnetLight}. */
export interface GrowOptions {
  /** Channels per level (same length as the source's, each ≥ the source's). Default: the source's. */
  widths?: readonly number[];
  /** Residual blocks per encoder level (each ≥ the source's). Default: the source's. */
  encoderBlocks?: readonly number[];
  /**
   * Give the stem the crop's pixel coordinates as two more input channels (`createPrnetLight`'s
   * `coordinateChannels`). Their kernel entries start at zero, so the output stays the source's.
   * Default: as the source (a source that has them keeps them).
   */
  coordinateChannels?: boolean;
  /** Description of the new model. Default: the source's, with the growth noted. */
  description?: string;
}

type Layer = tfl.layers.Layer;

function outputShape(layer: Layer): number[] {
  const shape = layer.outputShape;
  return (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
}

function inboundClasses(layer: Layer): string[] {
  const node = (layer as unknown as { inboundNodes: { inboundLayers: Layer[] }[] }).inboundNodes[0];
  return node ? node.inboundLayers.map((l) => l.getClassName()) : [];
}

function stride(layer: Layer): number | undefined {
  const strides = (layer.getConfig() as { strides?: number[] | number }).strides;
  return Array.isArray(strides) ? strides[0] : strides;
}

/**
 * Reads the `createPrnetLight` options of a prnet-light model from its layers — input size,
 * widths and the block counts per level — and checks that `createPrnetLight` with them builds the
 * same layers (names and classes, one to one). Throws `InvalidArgumentError` for other models
 * (other heads, other architectures).
 */
export function lightArchitecture(model: tfl.LayersModel): LightArchitecture {
  const inputSize = model.inputs[0].shape[1] as number;
  const layers = model.layers;
  const sides = layers.map((l) => (outputShape(l).length === 4 ? outputShape(l)[1] : 0));
  const smallest = Math.min(...sides.filter((s) => s > 0));
  const levels = Math.round(Math.log2(inputSize / smallest));
  const architecture: LightArchitecture = { inputSize, widths: [], encoderBlocks: [], decoderBlocks: [] };
  if (layers.some((l) => l.getClassName() === 'CoordinateChannels')) architecture.coordinateChannels = true;
  for (let level = 0; level < levels; level++) {
    const side = inputSize / 2 ** (level + 1);
    const here = layers.filter((_, i) => sides[i] === side);
    // The level's width: the first regular conv at its resolution (the stem, or the 1×1 conv of
    // the stride-2 block); its residual blocks: the Adds there that do not merge an upsampled map.
    const first = here.find((l) => l.getClassName() === 'Conv2D');
    architecture.widths.push(first ? (outputShape(first)[3] ?? 0) : 0);
    const residual = here.filter((l) => l.getClassName() === 'Add' && !inboundClasses(l).includes('UpSampling2D')).length;
    architecture.encoderBlocks.push(residual);
    if (level < levels - 1) {
      const depthwise = here.filter((l) => l.getClassName() === 'DepthwiseConv2D' && stride(l) === 1).length;
      architecture.decoderBlocks.push(depthwise - residual);
    }
  }
  let reference: tfl.LayersModel | undefined;
  try {
    reference = createPrnetLight(architecture);
  } catch {
    // falls through to the error below
  }
  const same =
    reference !== undefined &&
    reference.layers.length === layers.length &&
    reference.layers.every((l, i) => l.name === layers[i].name && l.getClassName() === layers[i].getClassName());
  reference?.dispose();
  if (!same) {
    throw new InvalidArgumentError(
      `not a prnet-light with the default head that this tool can read (read widths [${architecture.widths.join(', ')}], ` +
        `encoder blocks [${architecture.encoderBlocks.join(', ')}], decoder blocks [${architecture.decoderBlocks.join(', ')}])`,
    );
  }
  return architecture;
}

/**
 * Function-preserving growth of a prnet-light network: more channels per level (`widths`) and/or
 * more residual blocks per encoder level (`encoderBlocks`), with an output equal to the source's,
 * as a starting point for fine-tuning with more capacity.
 *
 * Layers are matched by their place in the architecture (`prnetLightLayerScopes`). Every weight
 * of the source is copied into the leading slice of its counterpart. New channels keep the
 * random initialisation, except the kernel entries from a new input channel to an old output
 * channel, which are zero (Net2Net-style widening with zero fan-out instead of duplicated
 * units): the new channels compute features, and receive gradients through those entries, but
 * change no old channel, so the head, which reads only old channels, gives the source's output.
 * With `coordinateChannels`, the stem also reads the pixel coordinates, through zero kernel entries
 * (new inputs, like new channels) until fine-tuned.
 * New residual blocks start as the identity: their last BatchNorm has zero scale and offset, so
 * `ReLU(x + 0) = x` for the non-negative `x` they receive (zero-initialised residual branch).
 * BatchNorm of new channels starts with identity statistics.
 *
 * Throws `InvalidArgumentError` for a model `lightArchitecture` cannot read or when a width or a
 * block count shrinks. The source is not modified or disposed; the caller owns the result.
 */
export function growPrnetLight(source: PrnetNetwork, options: GrowOptions): PrnetNetwork {
  if (source.metadata.architecture !== 'prnet-light') {
    throw new InvalidArgumentError(`only prnet-light networks can grow, got ${source.metadata.architecture}`);
  }
  const from = lightArchitecture(source.model);
  const to: LightArchitecture = {
    ...from,
    widths: [...(options.widths ?? from.widths)],
    encoderBlocks: [...(options.encoderBlocks ?? from.encoderBlocks)],
  };
  if (options.coordinateChannels === false && from.coordinateChannels) {
    throw new InvalidArgumentError('the source reads coordinate channels; growing cannot remove them');
  }
  if (options.coordinateChannels) to.coordinateChannels = true;
  const levels = from.widths.length;
  const check = (name: string, want: number[], have: number[]) => {
    if (want.length !== levels || want.some((v, i) => !Number.isInteger(v) || v < have[i])) {
      throw new InvalidArgumentError(
        `${name} must be ${levels} integers, each at least the source's [${have.join(', ')}], got [${want.join(', ')}]`,
      );
    }
  };
  check('widths', to.widths, from.widths);
  check('encoder blocks', to.encoderBlocks, from.encoderBlocks);
  const fromScopes = prnetLightLayerScopes(from);
  const toScopes = prnetLightLayerScopes(to);
  const model = createPrnetLight(to as PrnetLightOptions);
  try {
    const byScope = new Map<string, string>();
    for (const [name, scope] of toScopes) byScope.set(scope, name);
    for (const layer of source.model.layers) {
      const scope = fromScopes.get(layer.name);
      const name = scope === undefined ? layer.name : byScope.get(scope);
      const target = model.layers.find((l) => l.name === name);
      if (!target) throw new InvalidArgumentError(`layer ${layer.name} (${scope ?? 'named'}) has no counterpart in the grown network`);
      copyInto(layer, target);
    }
    for (const [name, scope] of toScopes) {
      const match = /^enc(\d+)\/res(\d+)\/bn4$/.exec(scope);
      if (match && Number(match[2]) >= from.encoderBlocks[Number(match[1])]) zeroBranch(model.getLayer(name));
    }
    const list = (a: number[]) => `[${a.join(', ')}]`;
    const coordinates = to.coordinateChannels && !from.coordinateChannels ? ', coordinate channels added' : '';
    const description =
      options.description ??
      `${source.metadata.description} — grown from widths ${list(from.widths)}, encoder blocks ${list(from.encoderBlocks)} ` +
        `to ${list(to.widths)}, ${list(to.encoderBlocks)}${coordinates} (same outputs until fine-tuned)`;
    return wrapPrnetNetwork(model, { ...source.metadata, description }, { compile: false });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Copies a layer's weights into the leading slices of its (wider) counterpart. */
function copyInto(from: Layer, to: Layer): void {
  if (from.getClassName() !== to.getClassName()) {
    throw new InvalidArgumentError(`layer ${from.name} (${from.getClassName()}) has no counterpart, found ${to.getClassName()} ${to.name}`);
  }
  const old = from.getWeights();
  if (old.length === 0) return;
  const values = to.getWeights().map((w, i) => {
    const src = old[i];
    if (src.rank !== w.rank || src.shape.some((d, k) => d > (w.shape[k] as number))) {
      throw new InvalidArgumentError(`layer ${from.name}: weight ${src.shape} does not fit into ${w.shape}`);
    }
    const data = w.dataSync().slice() as Float32Array;
    const zeroCrossTerms = from.getClassName() === 'Conv2D' && w.rank === 4;
    embed(src.dataSync() as Float32Array, src.shape, data, w.shape, zeroCrossTerms);
    return tf.tensor(data, w.shape);
  });
  to.setWeights(values);
  for (const v of values) v.dispose();
}

/** BatchNorm with zero scale and offset: the residual branch it ends outputs zero. */
function zeroBranch(bn: Layer): void {
  const weights = bn.getWeights();
  const values = weights.map((w, i) => (i < 2 ? tf.zerosLike(w) : w.clone()));
  bn.setWeights(values);
  for (const v of values) v.dispose();
}

/**
 * Writes `src` (shape `srcShape`) into the leading corner of `dst` (shape `dstShape`, same rank).
 * With `zeroCrossTerms` (a conv kernel [kh, kw, in, out]) the entries with a new input channel
 * and an old output channel become zero.
 */
function embed(src: Float32Array, srcShape: number[], dst: Float32Array, dstShape: number[], zeroCrossTerms: boolean): void {
  const rank = dstShape.length;
  const dstStrides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) dstStrides[k] = dstStrides[k + 1] * dstShape[k + 1];
  const index = new Array<number>(rank).fill(0);
  if (zeroCrossTerms) {
    const [kh, kw, inNew, outNew] = dstShape;
    const [, , inOld, outOld] = srcShape;
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = inOld; i < inNew; i++)
          for (let o = 0; o < outOld; o++) dst[((y * kw + x) * inNew + i) * outNew + o] = 0;
  }
  for (let s = 0; s < src.length; s++) {
    // s → multi-index in srcShape (row-major), then → offset in dst.
    let rest = s;
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = rest % srcShape[k];
      rest = Math.floor(rest / srcShape[k]);
    }
    let offset = 0;
    for (let k = 0; k < rank; k++) offset += index[k] * dstStrides[k];
    dst[offset] = src[s];
  }
}

function parseList(text: string | undefined, flag: string): number[] {
  const values = (text ?? '').split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new InvalidArgumentError(`${flag} takes comma-separated non-negative integers, got ${JSON.stringify(text)}`);
  }
  return values;
}

/**
 * `prnet-train grow-model --model M [--widths a,b,c,d,e] [--encoder-blocks a,b,c,d,e]
 * [--coordinate-channels] --out DIR [--float32]` (also `widen-model`).
 */
export async function main(argv: readonly string[]): Promise<void> {
  let modelPath: string | undefined;
  let outDir: string | undefined;
  let widths: number[] | undefined;
  let encoderBlocks: number[] | undefined;
  let float16 = true;
  let coordinateChannels = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') modelPath = argv[++i];
    else if (argv[i] === '--out') outDir = argv[++i];
    else if (argv[i] === '--widths') widths = parseList(argv[++i], '--widths');
    else if (argv[i] === '--encoder-blocks') encoderBlocks = parseList(argv[++i], '--encoder-blocks');
    else if (argv[i] === '--float32') float16 = false;
    else if (argv[i] === '--coordinate-channels') coordinateChannels = true;
    else throw new InvalidArgumentError(`unknown argument ${argv[i]}`);
  }
  if (!modelPath || !outDir || (!widths && !encoderBlocks && !coordinateChannels)) {
    throw new InvalidArgumentError('grow-model needs --model, --out and at least one of --widths, --encoder-blocks, --coordinate-channels');
  }
  const backend = await initNodeBackend();
  const source = await loadPrnetNetworkFromFile(modelPath, { compile: false });
  try {
    const before = lightArchitecture(source.model);
    const after = {
      widths: widths ?? before.widths,
      encoderBlocks: encoderBlocks ?? before.encoderBlocks,
      coordinateChannels: coordinateChannels || before.coordinateChannels === true,
    };
    const grown = growPrnetLight(source, after);
    try {
      const path = `${outDir}/model.json`;
      await savePrnetNetworkToFile(grown, path, { float16 });
      console.log(
        `grown widths [${before.widths.join(', ')}] → [${after.widths.join(', ')}], encoder blocks ` +
          `[${before.encoderBlocks.join(', ')}] → [${after.encoderBlocks.join(', ')}]` +
          `${after.coordinateChannels && !before.coordinateChannels ? ', coordinate channels added' : ''}: ${source.model.countParams()} → ` +
          `${grown.model.countParams()} parameters (${backend} backend, float16=${float16}) → ${path}`,
      );
    } finally {
      grown.dispose();
    }
  } finally {
    source.dispose();
  }
}

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  createPrnetLight,
  InvalidArgumentError,
  wrapPrnetNetwork,
  type PrnetLightOptions,
  type PrnetNetwork,
} from '@prnet/core';
import { initNodeBackend, loadPrnetNetworkFromFile, savePrnetNetworkToFile } from '@prnet/core/node';

/** Options of {@link widenPrnetLight}. */
export interface WidenOptions {
  /** Channels per level of the wider network (same length as the source's, each ≥ the source's). */
  widths: readonly number[];
  /** Description of the new model. Default: the source's, with the widening noted. */
  description?: string;
}

/** Per-level channel counts of a prnet-light model built with the default block counts. */
export function lightWidths(model: tfl.LayersModel): number[] {
  const convs = model.layers.filter((layer) => layer.getClassName() === 'Conv2D');
  // The first conv (stride 2) sets level 0; every stride-2 separable block's 1×1 conv sets the
  // next level. Read them from the depthwise layers with stride 2, which precede those 1×1 convs.
  const outChannels = (layer: tfl.layers.Layer): number => layer.getWeights()[0].shape[3] as number;
  const widths = [outChannels(convs[0])];
  const layers = model.layers;
  for (let i = 0; i < layers.length; i++) {
    const config = layers[i].getConfig() as { strides?: number[] | number };
    const strides = Array.isArray(config.strides) ? config.strides[0] : config.strides;
    if (layers[i].getClassName() === 'DepthwiseConv2D' && strides === 2) {
      const next = layers.slice(i + 1).find((layer) => layer.getClassName() === 'Conv2D');
      if (next) widths.push(outChannels(next));
    }
  }
  return widths;
}

/**
 * Function-preserving widening of a prnet-light network (Net2Net-style, with zero fan-out
 * instead of duplicated units): a prnet-light with more channels per level whose output equals
 * the source's exactly, as a starting point for fine-tuning with more capacity.
 *
 * Every weight of the source is copied into the leading slice of the wider layer of the same
 * name. The new channels keep the wider layer's random initialisation, except the kernel entries
 * that lead from a new input channel to an old output channel, which are zero: the new channels
 * compute features (and receive gradients through the zero entries) but do not change any old
 * channel, so the head, which reads only old channels, gives the source's output until training
 * moves those entries. BatchNorm of new channels starts as identity statistics.
 *
 * The source must be a prnet-light with the default block counts (`createPrnetLight`'s layer
 * names must match one to one); throws `InvalidArgumentError` otherwise or when a width shrinks.
 * The source is not modified or disposed; the caller owns the returned network.
 */
export function widenPrnetLight(source: PrnetNetwork, options: WidenOptions): PrnetNetwork {
  if (source.metadata.architecture !== 'prnet-light') {
    throw new InvalidArgumentError(`only prnet-light networks can be widened, got ${source.metadata.architecture}`);
  }
  const sourceWidths = lightWidths(source.model);
  const widths = options.widths;
  if (widths.length !== sourceWidths.length || widths.some((w, i) => !Number.isInteger(w) || w < sourceWidths[i])) {
    throw new InvalidArgumentError(
      `widths must be ${sourceWidths.length} integers, each at least the source's [${sourceWidths.join(', ')}], got [${widths.join(', ')}]`,
    );
  }
  const lightOptions: PrnetLightOptions = { inputSize: source.metadata.inputSize, widths };
  const model = createPrnetLight(lightOptions);
  try {
    copyIntoWider(source.model, model);
    const description =
      options.description ??
      `${source.metadata.description} — widened from [${sourceWidths.join(', ')}] to [${widths.join(', ')}] ` +
        '(same outputs until fine-tuned)';
    return wrapPrnetNetwork(model, { ...source.metadata, description }, { compile: false });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function copyIntoWider(from: tfl.LayersModel, to: tfl.LayersModel): void {
  if (from.layers.length !== to.layers.length) {
    throw new InvalidArgumentError(
      `the source has ${from.layers.length} layers, a default prnet-light of these widths ${to.layers.length}: only default block counts (and the first width when it sets the head) can be widened`,
    );
  }
  for (let l = 0; l < from.layers.length; l++) {
    const a = from.layers[l];
    const b = to.layers[l];
    if (a.name !== b.name || a.getClassName() !== b.getClassName()) {
      throw new InvalidArgumentError(
        `layer ${l} is ${a.getClassName()} ${a.name} in the source but ${b.getClassName()} ${b.name} in a default prnet-light`,
      );
    }
    const old = a.getWeights();
    if (old.length === 0) continue;
    const fresh = b.getWeights();
    const values = fresh.map((w, i) => {
      const src = old[i];
      if (src.rank !== w.rank || src.shape.some((d, k) => d > w.shape[k])) {
        throw new InvalidArgumentError(`layer ${a.name}: weight ${src.shape} does not fit into ${w.shape}`);
      }
      const data = w.dataSync().slice() as Float32Array;
      const zeroCrossTerms = a.getClassName() === 'Conv2D' && w.rank === 4;
      embed(src.dataSync() as Float32Array, src.shape, data, w.shape, zeroCrossTerms);
      return tf.tensor(data, w.shape);
    });
    b.setWeights(values);
    for (const v of values) v.dispose();
  }
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

/** `prnet-train widen-model --model M --widths a,b,c,d,e --out DIR [--float32]`. */
export async function main(argv: readonly string[]): Promise<void> {
  let modelPath: string | undefined;
  let outDir: string | undefined;
  let widths: number[] | undefined;
  let float16 = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') modelPath = argv[++i];
    else if (argv[i] === '--out') outDir = argv[++i];
    else if (argv[i] === '--widths') widths = (argv[++i] ?? '').split(',').map(Number);
    else if (argv[i] === '--float32') float16 = false;
    else throw new InvalidArgumentError(`unknown argument ${argv[i]}`);
  }
  if (!modelPath || !outDir || !widths) throw new InvalidArgumentError('widen-model needs --model, --widths and --out');
  const backend = await initNodeBackend();
  const source = await loadPrnetNetworkFromFile(modelPath, { compile: false });
  try {
    const before = lightWidths(source.model);
    const wide = widenPrnetLight(source, { widths });
    try {
      const path = `${outDir}/model.json`;
      await savePrnetNetworkToFile(wide, path, { float16 });
      console.log(
        `widened [${before.join(', ')}] → [${widths.join(', ')}]: ${source.model.countParams()} → ` +
          `${wide.model.countParams()} parameters (${backend} backend, float16=${float16}) → ${path}`,
      );
    } finally {
      wide.dispose();
    }
  } finally {
    source.dispose();
  }
}

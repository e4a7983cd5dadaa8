import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { DataId, KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Fast training kernels for the tfjs 'wasm' backend (4.22), built from the backend's own XNNPACK
 * kernels (Conv2D, DepthwiseConv2dNative, BatchMatMul, Transpose, PadV2, DepthToSpace) plus small
 * loops over the wasm heap:
 *
 * - `Conv2DBackpropInput` (replaces wasm's naive loop, ≈2 GFLOP/s): one XNNPACK conv2d of `dy`
 *   with a re-arranged filter. For stride s the s² output phases ("sub-pixel" decomposition)
 *   become s²·Cin output channels of a single stride-1 conv with a ⌈k/s⌉-sized filter, then
 *   DepthToSpace interleaves them; stride 1 is the plain conv with the flipped, in/out-swapped
 *   filter.
 * - `Conv2DBackpropFilter` (missing in wasm): 1×1 stride-1 convs as `xᵀ·dy` (Transpose +
 *   MatMul); others as one XNNPACK conv2d over the pixels (x as a batch of Cin images with N
 *   channels, dy as a [Ho, Wo, N, Cout] filter dilated by the stride) — 2–7× faster than im2col
 *   + MatMul here, and no buffer larger than x or dy.
 * - `DepthwiseConv2dNativeBackpropInput` (missing): XNNPACK depthwise conv of the zero-dilated
 *   (stride > 1) `dy` with the spatially flipped filter.
 * - `DepthwiseConv2dNativeBackpropFilter` (missing): one pass over `dy` on the heap (float64
 *   accumulators).
 *
 * - `Tile` (wasm's is an element-by-element loop, ≈10 ms per BatchNorm gradient, which tiles the
 *   per-channel scale over the whole activation): block copies with `copyWithin` doubling.
 *
 * Only NHWC (tfjs's default, and what the wasm backend supports) is handled; other formats, and
 * unequal strides in `Conv2DBackpropInput`, fall back to the kernel wasm had before.
 */

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use. */
interface WasmBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: NamedAttrMap;
}

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/** Names of the kernels {@link registerWasmTrainingKernels} registers for 'wasm'. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'Tile',
] as const;

/** wasm kernels as they were before registration (for fallbacks and benchmarks). */
const originals = new Map<string, KernelConfig | undefined>();
let registered = false;

/**
 * Registers fast wasm implementations of the gradient kernels that training conv nets needs
 * (see {@link WASM_TRAINING_KERNELS}). Idempotent; call it before (or after) the wasm backend
 * starts. The kernels run the wasm backend's own kernels, so the wasm backend package must be
 * loaded (`import '@tensorflow/tfjs-backend-wasm'`) before they execute.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: Record<(typeof WASM_TRAINING_KERNELS)[number], (args: KernelArgs) => TensorInfo> = {
    Conv2DBackpropInput: conv2dBackpropInput,
    Conv2DBackpropFilter: conv2dBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    Tile: tile,
  };
  for (const name of WASM_TRAINING_KERNELS) {
    const previous = tf.getKernel(name, 'wasm');
    originals.set(name, previous);
    if (previous) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: kernels[name] as unknown as tf.KernelFunc,
      // The fallbacks call the original, which needs its setup (run on every setBackend).
      setupFunc: previous?.setupFunc,
      disposeFunc: previous?.disposeFunc,
    });
  }
}

/**
 * The wasm kernel `name` had before {@link registerWasmTrainingKernels} replaced it (undefined
 * when wasm had none, or before registration). For benchmarks and fallbacks.
 */
export function originalWasmKernel(name: string): KernelConfig | undefined {
  return originals.get(name);
}

// ---------------------------------------------------------------------------------------------
// Helpers: run the wasm backend's registered kernels directly (no engine, no tape).

function run(name: string, backend: WasmBackend, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  // Our own kernels never call themselves; the originals only serve fallbacks.
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm training kernels need the wasm kernel '${name}'`);
  return config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

function runOriginal(name: string, args: KernelArgs, why: string): TensorInfo {
  const config = originals.get(name);
  if (!config) throw new Error(`wasm ${name}: ${why} is not supported`);
  return config.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

function free(backend: WasmBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A reshaped alias of `x` (shares its data; free it like any other output). */
function reshape(backend: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return run('Reshape', backend, { x }, { shape });
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/** Floats of a float32 tensor on the heap (a view: re-fetch after any allocation). */
function heap(backend: WasmBackend, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info);
}

function isNhwc(dataFormat: unknown): boolean {
  return dataFormat == null || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput

/**
 * 1-D plan of the sub-pixel decomposition of a transposed conv along one axis: input gradient
 * length `inSize`, `outSize` = dy length, kernel `k`, stride `s`, front padding `pad`.
 * `taps[u * s + r]` = filter tap feeding phase r from offset u of the padded dy (or -1).
 */
interface AxisPlan {
  length: number;
  padFront: number;
  padEnd: number;
  taps: Int32Array;
  phases: number;
  /** Phase rows the conv produces (≥ ⌈inSize / s⌉). */
  rows: number;
}

function axisPlan(inSize: number, outSize: number, k: number, s: number, pad: number): AxisPlan | undefined {
  // dx[m·s + r] = Σ_j dy[m + a_r − j] · W[j·s + b_r] with r + pad = a_r·s + b_r, 0 ≤ j < n_r.
  let dMin = Infinity;
  let dMax = -Infinity;
  const a: number[] = [];
  const b: number[] = [];
  const n: number[] = [];
  for (let r = 0; r < s; r++) {
    a.push(Math.floor((r + pad) / s));
    b.push((((r + pad) % s) + s) % s);
    n.push(b[r] < k ? Math.ceil((k - b[r]) / s) : 0);
    if (n[r] > 0) {
      dMin = Math.min(dMin, a[r] - n[r] + 1);
      dMax = Math.max(dMax, a[r]);
    }
  }
  if (!Number.isFinite(dMin) || dMin > 0) return undefined;
  const length = dMax - dMin + 1;
  const taps = new Int32Array(length * s).fill(-1);
  for (let r = 0; r < s; r++) {
    for (let j = 0; j < n[r]; j++) taps[(a[r] - j - dMin) * s + r] = j * s + b[r];
  }
  const needed = Math.ceil(inSize / s);
  const padFront = -dMin;
  const padEnd = Math.max(0, needed - 1 + dMax - (outSize - 1));
  const rows = outSize + padFront + padEnd - length + 1;
  return { length, padFront, padEnd, taps, phases: s, rows };
}

function conv2dBackpropInput(args: KernelArgs): TensorInfo {
  const { backend, inputs, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as [number, number, number, number];
  if (!isNhwc(attrs.dataFormat)) return runOriginal('Conv2DBackpropInput', args, `dataFormat ${attrs.dataFormat}`);
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { batchSize, filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const { strideHeight: sh, strideWidth: sw, inHeight, inWidth, outHeight, outWidth } = info;
  const py = axisPlan(inHeight, outHeight, kh, sh, info.padInfo.top);
  const px = axisPlan(inWidth, outWidth, kw, sw, info.padInfo.left);
  if (!py || !px || sh !== sw) return runOriginal('Conv2DBackpropInput', args, 'this padding/stride');

  // Re-arranged filter G[uy, ux, co, (ry·s + rx)·cin + ci] = W[ty, tx, ci, co].
  const phases = sh * sw;
  const gChannels = phases * cin;
  const g = new Float32Array(py.length * px.length * cout * gChannels);
  const w = heap(backend, filter);
  for (let uy = 0; uy < py.length; uy++) {
    for (let ry = 0; ry < sh; ry++) {
      const ty = py.taps[uy * sh + ry];
      if (ty < 0) continue;
      for (let ux = 0; ux < px.length; ux++) {
        for (let rx = 0; rx < sw; rx++) {
          const tx = px.taps[ux * sw + rx];
          if (tx < 0) continue;
          const phase = ry * sw + rx;
          const gBase = (uy * px.length + ux) * cout * gChannels + phase * cin;
          const wBase = (ty * kw + tx) * cin * cout;
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) g[gBase + co * gChannels + ci] = w[wBase + ci * cout + co];
          }
        }
      }
    }
  }
  const gInfo = backend.makeOutput([py.length, px.length, cout, gChannels], 'float32', undefined, g);
  const pad: backend_util.ExplicitPadding = [
    [0, 0],
    [py.padFront, py.padEnd],
    [px.padFront, px.padEnd],
    [0, 0],
  ];
  let out = run('Conv2D', backend, { x: dy, filter: gInfo }, { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 });
  free(backend, gInfo);
  if (phases > 1) {
    const interleaved = run('DepthToSpace', backend, { x: out }, { blockSize: sh, dataFormat: 'NHWC' });
    free(backend, out);
    out = interleaved;
  }
  if (out.shape[1] !== inHeight || out.shape[2] !== inWidth) {
    const cropped = run('Slice', backend, { x: out }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, cin] });
    free(backend, out);
    out = cropped;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter

/**
 * `aᵀ · b` for a `[P, M]`, b `[P, K]` (P large) → `[M, K]`. wasm's BatchMatMul with
 * `transposeA` is a slow loop, so the smaller operand is transposed explicitly: `aᵀ·b`, or
 * `(bᵀ·a)ᵀ` when K < M.
 */
function transposedProduct(backend: WasmBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [m, k] = [a.shape[1], b.shape[1]];
  const attrs = { transposeA: false, transposeB: false };
  if (m <= k) {
    const at = run('Transpose', backend, { x: a }, { perm: [1, 0] });
    const product = run('BatchMatMul', backend, { a: at, b }, attrs);
    free(backend, at);
    return reshape2(backend, product, [m, k]);
  }
  const bt = run('Transpose', backend, { x: b }, { perm: [1, 0] });
  const productT = run('BatchMatMul', backend, { a: bt, b: a }, attrs);
  const flat = reshape2(backend, productT, [k, m]);
  const product = run('Transpose', backend, { x: flat }, { perm: [1, 0] });
  free(backend, bt, flat);
  return product;
}

/** reshape + free the input (BatchMatMul returns rank 3). */
function reshape2(backend: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  const out = reshape(backend, x, shape);
  free(backend, x);
  return out;
}

function conv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const { backend, inputs, attrs } = args;
  const { x, dy } = inputs;
  if (!isNhwc(attrs.dataFormat)) throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${attrs.dataFormat}`);
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { batchSize, filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const { strideHeight: sh, strideWidth: sw, inHeight, inWidth, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  const pixels = outHeight * outWidth;

  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && top === 0 && left === 0 && outHeight === inHeight && outWidth === inWidth) {
    // dW = xᵀ · dy over all N·H·W pixels.
    const x2 = reshape(backend, x, [batchSize * pixels, cin]);
    const dy2 = reshape(backend, dy, [batchSize * pixels, cout]);
    const dw = transposedProduct(backend, x2, dy2);
    free(backend, x2, dy2);
    const out = reshape(backend, dw, filterShape);
    free(backend, dw);
    return out;
  }

  // As a convolution over the pixels: the batch of x's channels [Cin, H, W, N] correlated with
  // the "filter" dy [Ho, Wo, N, Cout], dilated by the stride, gives [Cin, kh, kw, Cout].
  const xt = run('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const f = run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const endY = Math.max(0, kh + (outHeight - 1) * sh - inHeight - top);
  const endX = Math.max(0, kw + (outWidth - 1) * sw - inWidth - left);
  let grad = run('Conv2D', backend, { x: xt, filter: f }, {
    strides: 1,
    pad: [[0, 0], [top, endY], [left, endX], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [sh, sw],
  });
  free(backend, xt, f);
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) {
    const cropped = run('Slice', backend, { x: grad }, { begin: [0, 0, 0, 0], size: [cin, kh, kw, cout] });
    free(backend, grad);
    grad = cropped;
  }
  const out = run('Transpose', backend, { x: grad }, { perm: [1, 2, 0, 3] });
  free(backend, grad);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Depthwise gradients

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    pair(attrs.dilations as number | [number, number]),
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    true,
  );
}

function depthwiseBackpropInput(args: KernelArgs): TensorInfo {
  const { backend, inputs, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = depthwiseInfo(inputShape, filter.shape, attrs);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const multiplier = outChannels / c;

  // Zero-dilate dy by the stride: [N, Ho, 1, Wo, 1, C·m] padded to [N, Ho, sh, Wo, sw, C·m].
  let dilated = dy;
  let dHeight = outHeight;
  let dWidth = outWidth;
  if (sh > 1 || sw > 1) {
    const six = reshape(backend, dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
    const padded = run('PadV2', backend, { x: six }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    dHeight = outHeight * sh;
    dWidth = outWidth * sw;
    dilated = reshape(backend, padded, [batchSize, dHeight, dWidth, outChannels]);
    free(backend, six, padded);
  }

  // Flipped filter [kh, kw, C·m, 1].
  const fv = heap(backend, filter);
  const flipped = new Float32Array(kh * kw * outChannels);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const dst = ((kh - 1 - ky) * kw + (kw - 1 - kx)) * outChannels;
      flipped.set(fv.subarray((ky * kw + kx) * outChannels, (ky * kw + kx + 1) * outChannels), dst);
    }
  }
  const flippedInfo = backend.makeOutput([kh, kw, outChannels, 1], 'float32', undefined, flipped);

  // Full correlation: front padding (k−1)·d − pad, end padding enough for inSize outputs.
  const frontY = (kh - 1) * dh - info.padInfo.top;
  const frontX = (kw - 1) * dw - info.padInfo.left;
  if (frontY < 0 || frontX < 0) {
    free(backend, flippedInfo);
    if (dilated !== dy) free(backend, dilated);
    throw new Error('wasm DepthwiseConv2dNativeBackpropInput: padding larger than the kernel is not supported');
  }
  const endY = Math.max(0, inHeight + (kh - 1) * dh - frontY - dHeight);
  const endX = Math.max(0, inWidth + (kw - 1) * dw - frontX - dWidth);
  let out = run('DepthwiseConv2dNative', backend, { x: dilated, filter: flippedInfo }, {
    strides: 1,
    pad: [[0, 0], [frontY, endY], [frontX, endX], [0, 0]],
    dilations: [dh, dw],
  });
  free(backend, flippedInfo);
  if (dilated !== dy) free(backend, dilated);
  if (out.shape[1] !== inHeight || out.shape[2] !== inWidth) {
    const cropped = run('Slice', backend, { x: out }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, outChannels] });
    free(backend, out);
    out = cropped;
  }
  if (multiplier > 1) {
    const five = reshape(backend, out, [batchSize, inHeight, inWidth, c, multiplier]);
    const summed = run('Sum', backend, { x: five }, { axis: [4], keepDims: false });
    free(backend, out, five);
    out = summed;
  }
  return out;
}

function depthwiseBackpropFilter(args: KernelArgs): TensorInfo {
  const { backend, inputs, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = depthwiseInfo(x.shape, filterShape, attrs);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const m = outChannels / c;
  // acc[(ky·kw + kx)·C·m + ch], ch = c·m + q (the filter's own layout).
  const acc = new Float64Array(kh * kw * outChannels);
  const xv = heap(backend, x);
  const dv = heap(backend, dy);
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dBase = ((n * outHeight + oy) * outWidth + ox) * outChannels;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky * dh - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx * dw - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((n * inHeight + iy) * inWidth + ix) * c;
            const aBase = (ky * kw + kx) * outChannels;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++) acc[aBase + ch] += xv[xBase + ch] * dv[dBase + ch];
            } else {
              for (let ch = 0; ch < outChannels; ch++) acc[aBase + ch] += xv[xBase + Math.floor(ch / m)] * dv[dBase + ch];
            }
          }
        }
      }
    }
  }
  return backend.makeOutput(filterShape, 'float32', undefined, Float32Array.from(acc));
}

// ---------------------------------------------------------------------------------------------
// Tile

function tile(args: KernelArgs): TensorInfo {
  const { backend, inputs, attrs } = args;
  const { x } = inputs;
  const reps = attrs.reps as number[];
  if (x.dtype === 'string' || x.dtype === 'complex64') return runOriginal('Tile', args, `Tile of ${x.dtype}`);
  const shape = x.shape;
  const rank = shape.length;
  const outShape = shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype as 'float32');
  const size = outShape.reduce((a, b) => a * b, 1);
  if (size === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  // Output strides; each level writes its s[d] source blocks, then repeats that span r[d] − 1
  // times by doubling copies.
  const outStrides = new Array<number>(rank);
  const inStrides = new Array<number>(rank);
  outStrides[rank - 1] = 1;
  inStrides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) {
    outStrides[d] = outStrides[d + 1] * outShape[d + 1];
    inStrides[d] = inStrides[d + 1] * shape[d + 1];
  }
  const fill = (d: number, from: number, to: number): void => {
    const block = shape[d] * outStrides[d];
    if (d === rank - 1) {
      dst.set(src.subarray(from, from + shape[d]), to);
    } else {
      for (let i = 0; i < shape[d]; i++) fill(d + 1, from + i * inStrides[d], to + i * outStrides[d]);
    }
    const total = block * reps[d];
    for (let done = block; done < total; done *= 2) dst.copyWithin(to + done, to, to + Math.min(done, total - done));
  };
  fill(0, 0, 0);
  return out;
}

import * as tf from '@tensorflow/tfjs-core';
import type { DataId, KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: KernelBackend & { disposeData(dataId: DataId): boolean };
  attrs: NamedAttrMap;
}

let original: KernelConfig | undefined;

function call(config: KernelConfig | undefined, name: string, args: Args): TensorInfo {
  if (!config) throw new Error(`registerWasmInt32BatchMatMul: the wasm backend has no '${name}' kernel`);
  return config.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

function batchMatMul(args: Args): TensorInfo {
  const { a, b } = args.inputs;
  if (a.dtype !== 'int32' && b.dtype !== 'int32') return call(original, 'BatchMatMul', args);
  const cast = tf.getKernel('Cast', 'wasm');
  const { backend } = args;
  const toFloat = (x: TensorInfo) => call(cast, 'Cast', { inputs: { x }, backend, attrs: { dtype: 'float32' } });
  const fa = toFloat(a);
  const fb = toFloat(b);
  const product = call(original, 'BatchMatMul', { inputs: { a: fa, b: fb }, backend, attrs: args.attrs });
  const result = call(cast, 'Cast', { inputs: { x: product }, backend, attrs: { dtype: 'int32' } });
  for (const info of [fa, fb, product]) backend.disposeData(info.dataId);
  return result;
}

/**
 * Lets the tfjs 'wasm' backend (4.22) run `BatchMatMul` on int32 tensors, which it otherwise
 * rejects ("BatchMatMul for non non-float32 tensors not yet supported") — MediaPipe's attention
 * face mesh does such products on index tensors. The product runs as XNNPACK float32 and is cast
 * back, which is exact while every partial sum stays below 2²⁴ in magnitude (indices and small
 * counts). float32 products go to wasm's own kernel unchanged. Idempotent; call it after the
 * wasm backend package is imported. Returns false when that package is not loaded.
 */
export function registerWasmInt32BatchMatMul(): boolean {
  if (original) return true;
  const previous = tf.getKernel('BatchMatMul', 'wasm');
  if (!previous) return false;
  original = previous;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: batchMatMul as unknown as tf.KernelFunc,
    setupFunc: previous.setupFunc,
    disposeFunc: previous.disposeFunc,
  });
  return true;
}

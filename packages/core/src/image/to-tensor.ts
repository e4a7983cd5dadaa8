import * as tf from '@tensorflow/tfjs-core';
import { InvalidImageError } from '../errors.js';
import type { RgbImage } from './rgb-image.js';

/**
 * Every image the package accepts:
 * - `tf.Tensor3D` [H, W, C] with C ∈ {1, 3, 4}, int32 or float32 values in 0..255 (alpha ignored);
 * - `tf.Tensor2D` [H, W] grayscale, 0..255;
 * - `RgbImage` (plain 8-bit data, 1/3/4 channels) or an `ImageData` (RGBA);
 * - DOM sources (browser only): canvas, OffscreenCanvas, video (needs a decoded frame), image, ImageBitmap.
 */
export type PrnetImageInput =
  | tf.Tensor3D
  | tf.Tensor2D
  | RgbImage
  | ImageData
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLVideoElement
  | HTMLImageElement
  | ImageBitmap;

/** Width and height in pixels. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

function isTensor(input: unknown): input is tf.Tensor {
  return input instanceof tf.Tensor;
}

/** A plain `{ width, height, data }` image (RgbImage or ImageData); DOM-free check. */
function isPlainImage(input: unknown): input is RgbImage | ImageData {
  if (typeof input !== 'object' || input === null) return false;
  const o = input as { data?: unknown; width?: unknown; height?: unknown };
  return (
    typeof o.width === 'number' &&
    typeof o.height === 'number' &&
    (o.data instanceof Uint8Array || o.data instanceof Uint8ClampedArray)
  );
}

function isVideo(input: unknown): input is HTMLVideoElement {
  return typeof HTMLVideoElement !== 'undefined' && input instanceof HTMLVideoElement;
}

function isImageElement(input: unknown): input is HTMLImageElement {
  return typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement;
}

function isDomSource(input: unknown): input is HTMLCanvasElement | OffscreenCanvas | ImageBitmap {
  return (
    (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas) ||
    (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap)
  );
}

function checkDims(width: number, height: number, what: string): void {
  if (!(width > 0) || !(height > 0) || !Number.isInteger(width) || !Number.isInteger(height)) {
    throw new InvalidImageError(`${what} has no pixels (${width}×${height})`);
  }
}

function plainChannels(image: RgbImage | ImageData): number {
  const declared = (image as Partial<RgbImage>).channels;
  const channels = declared ?? image.data.length / (image.width * image.height);
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidImageError(`image data must have 1, 3 or 4 channels, got ${channels}`);
  }
  if (image.data.length !== image.width * image.height * channels) {
    throw new InvalidImageError(
      `image data holds ${image.data.length} values but ${image.width}×${image.height}×${channels} needs ${image.width * image.height * channels}`,
    );
  }
  return channels;
}

/** The size of any accepted input, without reading its pixels. Throws `InvalidImageError` for an unknown input. */
export function imageSize(input: PrnetImageInput): ImageSize {
  if (isTensor(input)) return { width: input.shape[1] ?? 0, height: input.shape[0] ?? 0 };
  if (isPlainImage(input)) return { width: input.width, height: input.height };
  if (isVideo(input)) return { width: input.videoWidth, height: input.videoHeight };
  if (isImageElement(input)) return { width: input.naturalWidth, height: input.naturalHeight };
  if (isDomSource(input)) return { width: input.width, height: input.height };
  throw new InvalidImageError(`unsupported image input: ${describeInput(input)}`);
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input !== 'object') return typeof input;
  return (input as object).constructor?.name ?? 'object';
}

/** Gray → RGB, RGBA → RGB, as float32, for a [H, W, C] tensor (C ∈ 1, 3, 4). Inside a tidy. */
function toRgbFloat(t: tf.Tensor3D): tf.Tensor3D {
  const c = t.shape[2];
  const f = t.dtype === 'float32' ? t : tf.cast(t, 'float32');
  if (c === 3) return f === t ? tf.clone(t) : f; // never hand back the caller's tensor
  if (c === 1) return tf.tile(f, [1, 1, 3]);
  return tf.slice(f, [0, 0, 0], [-1, -1, 3]);
}

/**
 * Converts any accepted image to a float32 tensor [H, W, 3] with values in 0..255 (gray
 * replicated, alpha dropped). The result is a new tensor the caller disposes; the caller's tensor
 * is never disposed nor modified. Throws `InvalidImageError` for an empty image, a wrong shape
 * or dtype, a video with no frame yet (videoWidth 0), or an unsupported input.
 */
export function imageToTensor(input: PrnetImageInput): tf.Tensor3D {
  if (isTensor(input)) {
    if (input.isDisposed) throw new InvalidImageError('the image tensor has been disposed');
    if (input.dtype !== 'float32' && input.dtype !== 'int32') {
      throw new InvalidImageError(`image tensors must be int32 or float32, got ${input.dtype}`);
    }
    if (input.rank === 2) {
      checkDims(input.shape[1], input.shape[0], 'the image tensor');
      return tf.tidy(() => toRgbFloat(tf.expandDims(input as tf.Tensor2D, 2)));
    }
    if (input.rank !== 3) {
      throw new InvalidImageError(`image tensors must be [H, W] or [H, W, C], got shape [${input.shape.join(', ')}]`);
    }
    const [h, w, c] = input.shape as [number, number, number];
    checkDims(w, h, 'the image tensor');
    if (c !== 1 && c !== 3 && c !== 4) {
      throw new InvalidImageError(`image tensors need 1, 3 or 4 channels, got ${c}`);
    }
    return tf.tidy(() => toRgbFloat(input as tf.Tensor3D));
  }
  if (isPlainImage(input)) {
    checkDims(input.width, input.height, 'the image');
    const channels = plainChannels(input);
    return tf.tidy(() => {
      const t = tf.tensor3d(Float32Array.from(input.data), [input.height, input.width, channels], 'float32');
      return channels === 3 ? t : toRgbFloat(t);
    });
  }
  if (isVideo(input) || isImageElement(input) || isDomSource(input)) {
    const { width, height } = imageSize(input);
    if (isVideo(input) && (width === 0 || height === 0)) {
      throw new InvalidImageError('the video has no frame yet (videoWidth is 0): wait for its loadeddata event');
    }
    checkDims(width, height, `the ${describeInput(input)}`);
    return tf.tidy(() => {
      const pixels = tf.browser.fromPixels(input as HTMLCanvasElement, 3);
      return tf.cast(pixels, 'float32');
    });
  }
  throw new InvalidImageError(`unsupported image input: ${describeInput(input)}`);
}

import { readFileSync, statSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InvalidImageError } from '../errors.js';
import type { RgbImage } from '../image/rgb-image.js';

/** Options of `decodeImage`. */
export interface DecodeImageOptions {
  /**
   * Keep the alpha channel (4-channel RGBA result) when the file has one. Default false: the
   * result is always 3-channel RGB and a PNG's alpha is composited over black
   * (rgb × alpha / 255), which is what a browser's `fromPixels` gives for transparent pixels.
   */
  keepAlpha?: boolean;
  /** Largest image accepted, in megapixels (width × height / 1e6). Default 100. */
  maxMegapixels?: number;
  /** Memory cap for the JPEG decoder in MiB (jpeg-js `maxMemoryUsageInMB`). Default 1024. */
  maxMemoryMb?: number;
}

export type ImageFormat = 'jpeg' | 'png';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image format from the file's magic bytes (not its name), or undefined if unknown. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

function describe(source: string | undefined): string {
  return source === undefined ? 'image data' : `image file ${source}`;
}

function readImageFile(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new InvalidImageError(`${path} is a directory, not an image file`);
    return readFileSync(path);
  } catch (cause) {
    if (cause instanceof InvalidImageError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw new InvalidImageError(
      code === 'ENOENT' ? `image file not found: ${path}` : `image file ${path} is not readable (${code ?? cause})`,
      { cause },
    );
  }
}

/**
 * Decodes a JPEG or PNG (format sniffed from the magic bytes) into an 8-bit `RgbImage`:
 * 3 channels RGB, or 4 (RGBA) with `keepAlpha` when the file has alpha.
 *
 * JPEG: baseline/progressive, grayscale (replicated to RGB), YCbCr and CMYK/YCCK (converted by
 * jpeg-js; Adobe CMYK is approximate). PNG: gray, gray+alpha, palette (with tRNS), RGB, RGBA,
 * 1–16 bits per sample (16-bit is rescaled to 8), interlaced.
 *
 * `input` is a file path or the encoded bytes. Throws `InvalidImageError` (naming the path) for a
 * missing/unreadable/empty file, an unknown format, corrupt or truncated data, zero size, or an
 * image larger than `maxMegapixels`.
 */
export function decodeImage(input: string | Uint8Array, options: DecodeImageOptions = {}): RgbImage {
  const source = typeof input === 'string' ? input : undefined;
  const bytes = typeof input === 'string' ? readImageFile(input) : input;
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidImageError(`decodeImage takes a file path or a Uint8Array/Buffer, got ${typeof input}`);
  }
  if (bytes.length === 0) throw new InvalidImageError(`${describe(source)} is empty (0 bytes)`);
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new InvalidImageError(`${describe(source)} is not a JPEG or PNG (unrecognised magic bytes)`);
  }
  const maxMegapixels = options.maxMegapixels ?? 100;
  try {
    return format === 'jpeg'
      ? decodeJpeg(bytes, maxMegapixels, options.maxMemoryMb ?? 1024)
      : decodePng(bytes, maxMegapixels, options.keepAlpha ?? false);
  } catch (cause) {
    if (cause instanceof InvalidImageError) {
      throw new InvalidImageError(`${describe(source)}: ${cause.message}`, { cause: cause.cause });
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new InvalidImageError(`${describe(source)} is a corrupt or truncated ${format.toUpperCase()} (${reason})`, {
      cause,
    });
  }
}

function checkSize(width: number, height: number, maxMegapixels: number): void {
  if (!(width > 0) || !(height > 0)) throw new InvalidImageError(`image has zero size (${width}×${height})`);
  if ((width * height) / 1e6 > maxMegapixels) {
    throw new InvalidImageError(`image of ${width}×${height} exceeds the ${maxMegapixels} megapixel limit`);
  }
}

function decodeJpeg(bytes: Uint8Array, maxMegapixels: number, maxMemoryMb: number): RgbImage {
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: true,
    maxResolutionInMP: maxMegapixels,
    maxMemoryUsageInMB: maxMemoryMb,
  });
  checkSize(decoded.width, decoded.height, maxMegapixels);
  const data = decoded.data;
  if (data.length !== decoded.width * decoded.height * 3) {
    throw new InvalidImageError(`decoded ${data.length} bytes for a ${decoded.width}×${decoded.height} RGB image`);
  }
  return { width: decoded.width, height: decoded.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function decodePng(bytes: Uint8Array, maxMegapixels: number, keepAlpha: boolean): RgbImage {
  // Check IHDR's size before pngjs allocates the bitmap.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(view.getUint32(16), view.getUint32(20), maxMegapixels);
  }
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = png;
  checkSize(width, height, maxMegapixels);
  const rgba = png.data; // always 8-bit RGBA after pngjs's normalisation
  const n = width * height;
  if (rgba.length < n * 4) throw new InvalidImageError(`decoded ${rgba.length} bytes for a ${width}×${height} RGBA image`);
  if (keepAlpha && png.alpha) {
    return { width, height, channels: 4, data: new Uint8Array(rgba.buffer, rgba.byteOffset, n * 4) };
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const a = rgba[j + 3];
    if (a === 255) {
      out[i * 3] = rgba[j];
      out[i * 3 + 1] = rgba[j + 1];
      out[i * 3 + 2] = rgba[j + 2];
    } else {
      // composite over black
      out[i * 3] = Math.round((rgba[j] * a) / 255);
      out[i * 3 + 1] = Math.round((rgba[j + 1] * a) / 255);
      out[i * 3 + 2] = Math.round((rgba[j + 2] * a) / 255);
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Expands any `RgbImage` to 8-bit RGBA (gray replicated, alpha 255 where absent). */
function toRgba(image: RgbImage): Uint8Array {
  validateRgbImage(image);
  const n = image.width * image.height;
  const out = new Uint8Array(n * 4);
  const { data, channels } = image;
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    const d = i * 4;
    if (channels === 1) {
      out[d] = out[d + 1] = out[d + 2] = data[s];
      out[d + 3] = 255;
    } else {
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
      out[d + 3] = channels === 4 ? data[s + 3] : 255;
    }
  }
  return out;
}

/** Throws `InvalidImageError` unless the image's size, channel count and data length agree. */
export function validateRgbImage(image: RgbImage): void {
  const { width, height, channels, data } = image ?? ({} as RgbImage);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidImageError(`image size must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidImageError(`image channels must be 1, 3 or 4, got ${channels}`);
  }
  if (!data || data.length !== width * height * channels) {
    throw new InvalidImageError(
      `image data holds ${data?.length} values but ${width}×${height}×${channels} needs ${width * height * channels}`,
    );
  }
}

/** Encodes an `RgbImage` (1, 3 or 4 channels) as a PNG (RGBA when it has 4 channels, else RGB). */
export function encodePng(image: RgbImage): Buffer {
  const rgba = toRgba(image);
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png, { colorType: image.channels === 4 ? 6 : 2 });
}

/** Encodes an `RgbImage` as a baseline JPEG; `quality` 1–100 (default 90). Alpha is dropped. */
export function encodeJpeg(image: RgbImage, quality = 90): Buffer {
  const rgba = toRgba(image);
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  return jpeg.encode({ data: rgba, width: image.width, height: image.height }, q).data;
}

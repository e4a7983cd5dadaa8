import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidImageError } from '../errors.js';
import type { RgbImage } from '../image/rgb-image.js';
import { decodeImage, encodeJpeg, encodePng, sniffImageFormat } from './decode-image.js';

const dir = mkdtempSync(join(tmpdir(), 'prnet-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A smooth 24×16 RGB gradient (smooth so JPEG round-trips closely). */
function gradient(width = 24, height = 16): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round((x / (width - 1)) * 255);
      data[i + 1] = Math.round((y / (height - 1)) * 255);
      data[i + 2] = 100;
    }
  }
  return { width, height, channels: 3, data };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidImageError);
  expect((error as Error).message).toMatch(pattern);
}

describe('decodeImage', () => {
  it('round-trips a PNG exactly and a JPEG closely, from bytes and from a path', () => {
    const image = gradient();
    const png = encodePng(image);
    expect(sniffImageFormat(png)).toBe('png');
    const fromPng = decodeImage(png);
    expect(fromPng).toMatchObject({ width: 24, height: 16, channels: 3 });
    expect(Array.from(fromPng.data)).toEqual(Array.from(image.data));

    const jpg = encodeJpeg(image, 95);
    expect(sniffImageFormat(jpg)).toBe('jpeg');
    const path = join(dir, 'gradient.png'); // wrong extension on purpose: format comes from magic bytes
    writeFileSync(path, jpg);
    const fromJpg = decodeImage(path);
    expect(fromJpg).toMatchObject({ width: 24, height: 16, channels: 3 });
    expect(maxDiff(fromJpg.data, image.data)).toBeLessThan(20);
  });

  it('decodes a grayscale JPEG to replicated RGB', () => {
    const gray: RgbImage = { width: 8, height: 8, channels: 1, data: new Uint8Array(64).fill(77) };
    const decoded = decodeImage(encodeJpeg(gray, 100));
    expect(decoded.channels).toBe(3);
    expect(maxDiff(decoded.data, new Uint8Array(192).fill(77))).toBeLessThanOrEqual(2);
  });

  it('decodes gray, gray+alpha and 16-bit PNGs', () => {
    const w = 4;
    const h = 3;
    // gray (colour type 0) from RGBA input with r = g = b
    const png = new PNG({ width: w, height: h });
    for (let i = 0; i < w * h; i++) png.data.set([i * 20, i * 20, i * 20, i < 6 ? 255 : 128], i * 4);
    const grayBytes = PNG.sync.write(png, { colorType: 0 });
    const gray = decodeImage(grayBytes);
    expect(gray.channels).toBe(3);
    expect(Array.from(gray.data.slice(0, 9))).toEqual([0, 0, 0, 20, 20, 20, 40, 40, 40]);

    // gray + alpha (colour type 4): composited over black unless keepAlpha
    const grayAlphaBytes = PNG.sync.write(png, { colorType: 4 });
    const composited = decodeImage(grayAlphaBytes);
    expect(composited.channels).toBe(3);
    expect(composited.data[5 * 3]).toBe(100); // opaque pixel 5 = 100
    expect(composited.data[10 * 3]).toBe(Math.round((200 * 128) / 255)); // half-transparent pixel 10
    const withAlpha = decodeImage(grayAlphaBytes, { keepAlpha: true });
    expect(withAlpha.channels).toBe(4);
    expect(Array.from(withAlpha.data.slice(40, 44))).toEqual([200, 200, 200, 128]);

    // 16-bit RGB: pngjs takes 16-bit samples in system endianness
    const png16 = new PNG({ width: 2, height: 1, bitDepth: 16, inputHasAlpha: false });
    const samples = new Uint16Array([65535, 0, 32896, 0, 65535, 257]);
    png16.data = Buffer.from(samples.buffer);
    const bytes16 = PNG.sync.write(png16, { colorType: 2, bitDepth: 16, inputHasAlpha: false });
    const decoded16 = decodeImage(bytes16);
    expect(Array.from(decoded16.data)).toEqual([255, 0, 128, 0, 255, 1]);
  });

  it('decodes a palette PNG', () => {
    // Hand-built 2×1 palette PNG (pngjs cannot write colour type 3): palette [red, blue], pixels [1, 0].
    const bytes = paletteSample();
    const decoded = decodeImage(bytes);
    expect(decoded).toMatchObject({ width: 2, height: 1, channels: 3 });
    expect(Array.from(decoded.data)).toEqual([0, 0, 255, 255, 0, 0]);
  });

  it('keeps RGBA when asked and encodes RGBA PNGs', () => {
    const rgba: RgbImage = { width: 2, height: 1, channels: 4, data: new Uint8Array([10, 20, 30, 40, 50, 60, 70, 255]) };
    const decoded = decodeImage(encodePng(rgba), { keepAlpha: true });
    expect(decoded.channels).toBe(4);
    expect(Array.from(decoded.data)).toEqual([10, 20, 30, 40, 50, 60, 70, 255]);
    // an opaque RGB file stays 3 channels even with keepAlpha
    expect(decodeImage(encodePng(gradient(3, 2)), { keepAlpha: true }).channels).toBe(3);
  });

  it('throws InvalidImageError naming the path for missing, empty, unknown, corrupt and truncated files', () => {
    const missing = join(dir, 'nope.jpg');
    expectInvalid(() => decodeImage(missing), /not found.*nope\.jpg/);
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, new Uint8Array(0));
    expectInvalid(() => decodeImage(empty), /empty\.png.*empty/);
    const text = join(dir, 'text.jpg');
    writeFileSync(text, 'hello, not an image');
    expectInvalid(() => decodeImage(text), /text\.jpg.*not a JPEG or PNG/);
    expectInvalid(() => decodeImage(dir), /directory/);

    const png = encodePng(gradient());
    const truncatedPng = join(dir, 'truncated.png');
    writeFileSync(truncatedPng, png.subarray(0, png.length - 30));
    expectInvalid(() => decodeImage(truncatedPng), /truncated\.png.*corrupt or truncated PNG/);
    const corruptPng = Buffer.from(png);
    corruptPng[45] ^= 0xff; // inside IDAT data: CRC mismatch
    expectInvalid(() => decodeImage(corruptPng), /corrupt or truncated PNG/);

    const jpg = encodeJpeg(gradient(), 90);
    const truncatedJpg = join(dir, 'truncated.jpg');
    writeFileSync(truncatedJpg, jpg.subarray(0, 20));
    expectInvalid(() => decodeImage(truncatedJpg), /truncated\.jpg/);
  });

  it('rejects zero-size and oversized images', () => {
    const png = Buffer.from(encodePng(gradient(2, 2)));
    png.writeUInt32BE(0, 16); // IHDR width = 0
    expectInvalid(() => decodeImage(png), /zero size/);
    const big = Buffer.from(encodePng(gradient(2, 2)));
    big.writeUInt32BE(100_000, 16);
    big.writeUInt32BE(100_000, 20);
    expectInvalid(() => decodeImage(big), /megapixel/);
    expectInvalid(() => decodeImage(encodeJpeg(gradient(), 90), { maxMegapixels: 1e-4 }), /megapixel|resolution/i);
  });

  it('validates images given to the encoders', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).toThrow(InvalidImageError);
  });
});

/** A minimal 2×1 8-bit palette PNG built chunk by chunk. */
function paletteSample(): Buffer {
  const crcTable = new Uint32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const idat = deflateSync(Buffer.from([0, 1, 0])); // filter 0, indices 1, 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from([255, 0, 0, 0, 0, 255])),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

import { crc32 } from 'node:zlib';
import jpeg from 'jpeg-js';
import { DatasetError } from './dataset-error.js';
import { EXPRESSION_COUNT } from './expressions.js';
import type { Sample } from './sample.js';

/**
 * Binary layout of the dataset files (all numbers little-endian).
 *
 * Shard file: a 32-byte header, then `count` records back to back.
 *   header: magic "PRNS" | u32 version (1) | u32 count | u32 first sample index | u32 imageSize |
 *           u32 uvResolution | u32 image format (0 raw RGB, 1 JPEG) | u32 0
 *
 * Record (`RECORD_HEADER_BYTES` = 1088 bytes of header, then the payloads):
 *   u32 record bytes (all of it) | u32 index | u32 seed | u32 crc32 of everything after this field |
 *   f32 pitch, yaw, roll | f32 expression[53] | f32 landmarks68[204] |
 *   f32 position-map min[3], max[3] | u32 image format | u32 image bytes |
 *   u16 position map [R*R*3] | image bytes (raw: imageSize²·3 RGB; JPEG: the file)
 *
 * Position map: per sample and channel, code q ∈ [1, 65535] stores min + (q − 1)·(max − min)/65534
 * (error ≤ (max − min)/131068, ~0.002 px for a 150 px face); q = 0 marks pixels outside the UV
 * mask, which decode to exactly 0.
 */
export const SHARD_MAGIC = 0x534e5250; // "PRNS"
export const SHARD_VERSION = 1;
export const SHARD_HEADER_BYTES = 32;
export const RECORD_HEADER_BYTES = 4 * (4 + 3 + EXPRESSION_COUNT + 204 + 6 + 2);

/** How images are stored: raw RGB bytes, or JPEG (quality ~92, smaller, slower to read). */
export type ImageFormat = 'rgb' | 'jpeg';

const FORMAT_CODE: Record<ImageFormat, number> = { rgb: 0, jpeg: 1 };
const QMAX = 65534;

export interface ShardHeader {
  readonly count: number;
  readonly start: number;
  readonly imageSize: number;
  readonly uvResolution: number;
  readonly imageFormat: ImageFormat;
}

export function encodeShardHeader(h: ShardHeader): Uint8Array {
  const bytes = new Uint8Array(SHARD_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  [SHARD_MAGIC, SHARD_VERSION, h.count, h.start, h.imageSize, h.uvResolution, FORMAT_CODE[h.imageFormat], 0].forEach((v, i) =>
    view.setUint32(i * 4, v, true),
  );
  return bytes;
}

export function decodeShardHeader(bytes: Uint8Array, file: string): ShardHeader {
  if (bytes.length < SHARD_HEADER_BYTES) throw new DatasetError('DATASET_CORRUPT', `${file}: shorter than a shard header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, SHARD_HEADER_BYTES);
  const u = (i: number) => view.getUint32(i * 4, true);
  if (u(0) !== SHARD_MAGIC) throw new DatasetError('DATASET_CORRUPT', `${file}: not a PRNet dataset shard (bad magic)`);
  if (u(1) !== SHARD_VERSION) throw new DatasetError('DATASET_CORRUPT', `${file}: unsupported shard version ${u(1)}`);
  const format = u(6) === 1 ? 'jpeg' : u(6) === 0 ? 'rgb' : undefined;
  if (!format) throw new DatasetError('DATASET_CORRUPT', `${file}: unknown image format ${u(6)}`);
  return { count: u(2), start: u(3), imageSize: u(4), uvResolution: u(5), imageFormat: format };
}

/** Bytes of one record with raw RGB images (JPEG records vary). */
export function rawRecordBytes(imageSize: number, uvResolution: number): number {
  return RECORD_HEADER_BYTES + uvResolution * uvResolution * 6 + imageSize * imageSize * 3;
}

/**
 * Encodes a sample as one record.
 * @param mask [R*R] UV mask: pixels with 0 are stored as "outside" and decode to 0.
 */
export function encodeSample(sample: Sample, mask: Uint8Array, format: ImageFormat = 'rgb', jpegQuality = 92): Uint8Array {
  const { image, positionMap } = sample;
  const R2 = mask.length;
  if (positionMap.length !== R2 * 3) throw new DatasetError('DATASET_CORRUPT', `position map has ${positionMap.length} values, mask ${R2} pixels`);
  if (image.channels !== 3) throw new DatasetError('DATASET_CORRUPT', `dataset images are RGB, got ${image.channels} channels`);
  const imageBytes =
    format === 'rgb'
      ? image.data
      : new Uint8Array(jpeg.encode({ data: rgbToRgba(image.data, image.width * image.height), width: image.width, height: image.height }, jpegQuality).data);
  const pmOffset = RECORD_HEADER_BYTES;
  const imageOffset = pmOffset + R2 * 6;
  const total = imageOffset + imageBytes.length;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, total, true);
  view.setUint32(4, sample.index >>> 0, true);
  view.setUint32(8, sample.seed >>> 0, true);
  let o = 16;
  const f32 = (v: number) => {
    view.setFloat32(o, v, true);
    o += 4;
  };
  f32(sample.pose.pitch);
  f32(sample.pose.yaw);
  f32(sample.pose.roll);
  for (let i = 0; i < EXPRESSION_COUNT; i++) f32(sample.expression[i] ?? 0);
  for (let i = 0; i < 204; i++) f32(sample.landmarks68[i]);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let p = 0; p < R2; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < 3; c++) {
      const v = positionMap[p * 3 + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
  }
  for (let c = 0; c < 3; c++) {
    if (!Number.isFinite(lo[c])) lo[c] = hi[c] = 0;
    // Round the range to float32 first so that encoder and decoder use the same numbers.
    lo[c] = Math.fround(lo[c]);
    hi[c] = Math.fround(hi[c]);
    if (hi[c] < lo[c]) hi[c] = lo[c];
  }
  for (const v of lo) f32(v);
  for (const v of hi) f32(v);
  view.setUint32(o, FORMAT_CODE[format], true);
  view.setUint32(o + 4, imageBytes.length, true);
  const codes = new Uint16Array(R2 * 3);
  for (let p = 0; p < R2; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < 3; c++) {
      const range = hi[c] - lo[c];
      const q = range > 0 ? Math.round(((positionMap[p * 3 + c] - lo[c]) / range) * QMAX) : 0;
      codes[p * 3 + c] = 1 + Math.min(QMAX, Math.max(0, q));
    }
  }
  // Little-endian copy of the codes (every platform Node runs on is little-endian; be explicit anyway).
  for (let i = 0; i < codes.length; i++) view.setUint16(pmOffset + i * 2, codes[i], true);
  bytes.set(imageBytes, imageOffset);
  view.setUint32(12, crc32(bytes.subarray(16)), true);
  return bytes;
}

/** Length of the record starting at `bytes[0]` (its first field). */
export function recordLength(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
}

/**
 * Checks one record's length field and (unless `verify` is false) its crc32; returns a view of it.
 * @throws DatasetError('DATASET_CORRUPT') on a truncated record or a checksum mismatch.
 */
export function checkRecord(bytes: Uint8Array, where: string, verify = true): DataView {
  if (bytes.length < RECORD_HEADER_BYTES) throw new DatasetError('DATASET_CORRUPT', `${where}: truncated record`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = view.getUint32(0, true);
  if (total !== bytes.length) throw new DatasetError('DATASET_CORRUPT', `${where}: record length ${total} ≠ ${bytes.length} bytes read`);
  if (verify && crc32(bytes.subarray(16)) !== view.getUint32(12, true)) {
    throw new DatasetError('DATASET_CORRUPT', `${where}: record checksum mismatch`);
  }
  return view;
}

/**
 * Decodes one record (checks its crc32 unless `verify` is false).
 * @throws DatasetError('DATASET_CORRUPT') on a truncated record or a checksum mismatch.
 */
export function decodeSample(bytes: Uint8Array, uvResolution: number, where: string, verify = true): Sample {
  const view = checkRecord(bytes, where, verify);
  let o = 16;
  const f32 = () => {
    const v = view.getFloat32(o, true);
    o += 4;
    return v;
  };
  const pose = { pitch: f32(), yaw: f32(), roll: f32() };
  const expression = new Float32Array(EXPRESSION_COUNT);
  for (let i = 0; i < EXPRESSION_COUNT; i++) expression[i] = f32();
  const landmarks68 = new Float32Array(204);
  for (let i = 0; i < 204; i++) landmarks68[i] = f32();
  const lo = [f32(), f32(), f32()];
  const hi = [f32(), f32(), f32()];
  const format = view.getUint32(o, true);
  const imageLength = view.getUint32(o + 4, true);
  const R2 = uvResolution * uvResolution;
  const pmOffset = RECORD_HEADER_BYTES;
  const imageOffset = pmOffset + R2 * 6;
  if (imageOffset + imageLength !== bytes.length) throw new DatasetError('DATASET_CORRUPT', `${where}: record layout does not add up`);
  const positionMap = new Float32Array(R2 * 3);
  const step = [0, 1, 2].map((c) => (hi[c] - lo[c]) / QMAX);
  for (let i = 0; i < R2 * 3; i++) {
    const q = view.getUint16(pmOffset + i * 2, true);
    if (q !== 0) {
      const c = i % 3;
      positionMap[i] = lo[c] + (q - 1) * step[c];
    }
  }
  const stored = bytes.slice(imageOffset, imageOffset + imageLength);
  let data: Uint8Array;
  let size: number;
  if (format === 0) {
    size = Math.round(Math.sqrt(imageLength / 3));
    if (size * size * 3 !== imageLength) throw new DatasetError('DATASET_CORRUPT', `${where}: raw image of ${imageLength} bytes is not square RGB`);
    data = stored;
  } else if (format === 1) {
    let decoded: { width: number; height: number; data: Uint8Array };
    try {
      decoded = jpeg.decode(stored, { useTArray: true, formatAsRGBA: false });
    } catch (error) {
      throw new DatasetError('DATASET_CORRUPT', `${where}: undecodable JPEG`, { cause: error });
    }
    size = decoded.width;
    data = decoded.data;
  } else {
    throw new DatasetError('DATASET_CORRUPT', `${where}: unknown image format ${format}`);
  }
  return {
    index: view.getUint32(4, true),
    seed: view.getUint32(8, true),
    image: { width: size, height: size, channels: 3, data },
    positionMap,
    landmarks68,
    pose,
    expression,
  };
}

function rgbToRgba(rgb: ArrayLike<number>, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    out[i * 4] = rgb[i * 3];
    out[i * 4 + 1] = rgb[i * 3 + 1];
    out[i * 4 + 2] = rgb[i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { createRng } from '../render/procedural.js';
import { DatasetError } from './dataset-error.js';
import { EXPRESSION_COUNT } from './expressions.js';
import type { Sample } from './sample.js';
import {
  decodeSample,
  decodeShardHeader,
  encodeSample,
  encodeShardHeader,
  rawRecordBytes,
  RECORD_HEADER_BYTES,
} from './sample-codec.js';

/** A sample with a random but smooth-ish position map spanning ~150 px, and a random image. */
function fakeSample(R: number, size: number, seed: number): { sample: Sample; mask: Uint8Array } {
  const rng = createRng(seed);
  const mask = new Uint8Array(R * R);
  const positionMap = new Float32Array(R * R * 3);
  for (let p = 0; p < R * R; p++) {
    const r = Math.floor(p / R);
    const c = p % R;
    if ((r - R / 2) ** 2 + (c - R / 2) ** 2 > (R / 2.2) ** 2) continue;
    mask[p] = 1;
    positionMap[p * 3] = 20 + (c / R) * 150 + rng();
    positionMap[p * 3 + 1] = 30 + (r / R) * 140 + rng();
    positionMap[p * 3 + 2] = -40 + 80 * rng();
  }
  const image = new Uint8Array(size * size * 3);
  for (let i = 0; i < image.length; i++) image[i] = Math.floor(rng() * 256);
  const expression = new Float32Array(EXPRESSION_COUNT);
  expression[3] = 0.25;
  expression[40] = 1;
  const landmarks68 = new Float32Array(204).map(() => rng() * size);
  const sample: Sample = {
    index: 12,
    seed: 0xdeadbeef,
    image: { width: size, height: size, channels: 3, data: image },
    positionMap,
    landmarks68,
    pose: { pitch: -12.5, yaw: 71.25, roll: 3 },
    expression,
  };
  return { sample, mask };
}

describe('sample codec', () => {
  it('round-trips a sample: exact header fields, position map within 0.002 px, exact zeros outside the mask', () => {
    const R = 32;
    const { sample, mask } = fakeSample(R, 24, 1);
    const bytes = encodeSample(sample, mask);
    expect(bytes.length).toBe(rawRecordBytes(24, R));
    expect(bytes.length).toBe(RECORD_HEADER_BYTES + R * R * 6 + 24 * 24 * 3);
    const back = decodeSample(bytes, R, 'test');
    expect(back.index).toBe(12);
    expect(back.seed).toBe(0xdeadbeef);
    expect(back.pose).toEqual(sample.pose);
    expect(Array.from(back.expression)).toEqual(Array.from(sample.expression));
    expect(Array.from(back.landmarks68)).toEqual(Array.from(sample.landmarks68));
    expect(Array.from(back.image.data)).toEqual(Array.from(sample.image.data));
    let maxError = 0;
    for (let p = 0; p < R * R; p++) {
      for (let c = 0; c < 3; c++) {
        const i = p * 3 + c;
        if (!mask[p]) expect(back.positionMap[i]).toBe(0);
        else maxError = Math.max(maxError, Math.abs(back.positionMap[i] - sample.positionMap[i]));
      }
    }
    // x spans ~150 px: step 150/65534 = 0.0023, error ≤ half a step (+ float32 rounding).
    expect(maxError).toBeGreaterThan(0);
    expect(maxError).toBeLessThan(0.002);
  });

  it('keeps the extremes of each channel exact and handles a constant channel', () => {
    const R = 8;
    const { sample, mask } = fakeSample(R, 8, 2);
    for (let p = 0; p < R * R; p++) if (mask[p]) sample.positionMap[p * 3 + 2] = 7.5;
    const back = decodeSample(encodeSample(sample, mask), R, 'test');
    let lo = Infinity;
    let loBack = Infinity;
    for (let p = 0; p < R * R; p++) {
      if (!mask[p]) continue;
      expect(back.positionMap[p * 3 + 2]).toBe(7.5);
      lo = Math.min(lo, sample.positionMap[p * 3]);
      loBack = Math.min(loBack, back.positionMap[p * 3]);
    }
    expect(loBack).toBe(lo);
  });

  it('detects a flipped byte (crc32) and a truncated record with DatasetError', () => {
    const { sample, mask } = fakeSample(16, 16, 3);
    const bytes = encodeSample(sample, mask);
    const bad = bytes.slice();
    bad[RECORD_HEADER_BYTES + 100] ^= 0x10;
    expect(() => decodeSample(bad, 16, 'test')).toThrow(DatasetError);
    expect(() => decodeSample(bad, 16, 'test')).toThrow(/checksum/);
    // Without verification the flip goes through (it is the crc that catches it).
    expect(() => decodeSample(bad, 16, 'test', false)).not.toThrow();
    expect(() => decodeSample(bytes.subarray(0, bytes.length - 1), 16, 'test')).toThrow(DatasetError);
  });

  it('stores JPEG images (quality 92) about 10× smaller, close to the original', () => {
    const R = 16;
    const size = 64;
    const { sample, mask } = fakeSample(R, size, 4);
    // A smooth image (random noise does not compress).
    const data = sample.image.data as Uint8Array;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = (x * 3 + y * 2 + c * 40) % 256 > 128 ? 200 : 60 + x;
    const raw = encodeSample(sample, mask, 'rgb');
    const jpg = encodeSample(sample, mask, 'jpeg');
    const imageRaw = raw.length - RECORD_HEADER_BYTES - R * R * 6;
    const imageJpg = jpg.length - RECORD_HEADER_BYTES - R * R * 6;
    expect(imageJpg).toBeLessThan(imageRaw / 2);
    const back = decodeSample(jpg, R, 'test');
    expect(back.image.width).toBe(size);
    let err = 0;
    for (let i = 0; i < data.length; i++) err += Math.abs(back.image.data[i] - data[i]);
    expect(err / data.length).toBeLessThan(6);
  });

  it('encodes and checks shard headers', () => {
    const h = { count: 500, start: 1500, imageSize: 192, uvResolution: 128, imageFormat: 'rgb' as const };
    expect(decodeShardHeader(encodeShardHeader(h), 'x')).toEqual(h);
    const bad = encodeShardHeader(h);
    bad[0] = 0;
    expect(() => decodeShardHeader(bad, 'x')).toThrow(/magic/);
  });
});

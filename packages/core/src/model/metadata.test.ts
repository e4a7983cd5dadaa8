import { describe, expect, it } from 'vitest';
import { CROP_SCALE, OUTPUT_OFFSET, OUTPUT_SCALE } from '../conventions.js';
import { ModelLoadError } from '../errors.js';
import { defaultMetadata, validateMetadata, type PrnetModelMetadata } from './metadata.js';

const GOOD: PrnetModelMetadata = {
  format: 'prnet-model',
  version: 1,
  architecture: 'prnet-light',
  inputSize: 128,
  uvResolution: 128,
  outputScale: 1.1,
  outputOffset: 0,
  cropScale: 1.6,
  trained: true,
  description: 'test',
  training: { epochs: 3 },
};

describe('defaultMetadata', () => {
  it('fills the package conventions', () => {
    expect(defaultMetadata('resfcn256', 256)).toEqual({
      format: 'prnet-model',
      version: 1,
      architecture: 'resfcn256',
      inputSize: 256,
      uvResolution: 256,
      outputScale: OUTPUT_SCALE,
      outputOffset: OUTPUT_OFFSET,
      cropScale: CROP_SCALE,
      trained: false,
      description: 'untrained resfcn256 (random initialisation)',
    });
  });
});

describe('validateMetadata', () => {
  it('accepts valid metadata and returns a clean copy', () => {
    const value = { ...GOOD, extra: 'dropped' };
    const result = validateMetadata(value);
    expect(result).toEqual(GOOD);
    expect(result).not.toBe(value);
  });

  it('reads a PRNet-style file without outputOffset as offset 0, and rejects a non-numeric one', () => {
    const { outputOffset: _omit, ...prnetStyle } = GOOD;
    expect(validateMetadata(prnetStyle).outputOffset).toBe(0);
    expect(() => validateMetadata({ ...GOOD, outputOffset: 'x' })).toThrow(ModelLoadError);
  });

  it('keeps a valid landmark definition and rejects a bad one', () => {
    const pixels = Array.from({ length: 68 }, (_, k) => 1000 + 3 * k);
    const result = validateMetadata({ ...GOOD, landmarkPixels: pixels, landmarkCalibration: { radius: 12 } });
    expect(result.landmarkPixels).toEqual(pixels);
    expect(result.landmarkCalibration).toEqual({ radius: 12 });
    const R2 = GOOD.uvResolution * GOOD.uvResolution;
    for (const bad of [pixels.slice(1), [...pixels.slice(1), pixels[1]], [...pixels.slice(1), R2], [...pixels.slice(1), 1.5], 'x']) {
      expect(() => validateMetadata({ ...GOOD, landmarkPixels: bad })).toThrow(/landmarkPixels/);
    }
    expect(() => validateMetadata({ ...GOOD, landmarkCalibration: [] })).toThrow(ModelLoadError);
  });

  it('keeps a valid profile landmark set and rejects a bad one', () => {
    const pixels = Array.from({ length: 68 }, (_, k) => 2000 + 3 * k);
    const profileLandmarks = { pixels, blendYawDegrees: [30, 50] };
    expect(validateMetadata({ ...GOOD, profileLandmarks }).profileLandmarks).toEqual(profileLandmarks);
    const R2 = GOOD.uvResolution * GOOD.uvResolution;
    for (const bad of [pixels.slice(1), [...pixels.slice(1), R2], [...pixels.slice(1), -1], 'x']) {
      expect(() => validateMetadata({ ...GOOD, profileLandmarks: { pixels: bad, blendYawDegrees: [30, 50] } })).toThrow(/profileLandmarks.pixels/);
    }
    for (const blend of [[50, 30], [30], [-5, 30], [30, 200], 'x', undefined]) {
      expect(() => validateMetadata({ ...GOOD, profileLandmarks: { pixels, blendYawDegrees: blend } })).toThrow(/blendYawDegrees/);
    }
    expect(() => validateMetadata({ ...GOOD, profileLandmarks: [] })).toThrow(/profileLandmarks/);
  });

  it.each<[string, unknown]>([
    ['missing', undefined],
    ['an array', []],
    ['wrong format', { ...GOOD, format: 'other' }],
    ['future version', { ...GOOD, version: 2 }],
    ['unknown architecture', { ...GOOD, architecture: 'resnet50' }],
    ['fractional inputSize', { ...GOOD, inputSize: 127.5 }],
    ['zero uvResolution', { ...GOOD, uvResolution: 0 }],
    ['NaN outputScale', { ...GOOD, outputScale: Number.NaN }],
    ['negative cropScale', { ...GOOD, cropScale: -1 }],
    ['string trained', { ...GOOD, trained: 'yes' }],
    ['missing description', { ...GOOD, description: undefined }],
    ['array training', { ...GOOD, training: [1] }],
  ])('rejects %s with a ModelLoadError naming the source', (_, value) => {
    expect(() => validateMetadata(value, 'models/x.json')).toThrow(ModelLoadError);
    expect(() => validateMetadata(value, 'models/x.json')).toThrow(/^not a PRNet model: .*\(models\/x\.json\)$/);
  });
});

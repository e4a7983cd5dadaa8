import { CROP_SCALE, OUTPUT_OFFSET, OUTPUT_SCALE } from '../conventions.js';
import { ModelLoadError } from '../errors.js';

/** The network architectures this package can build and load. */
export type PrnetArchitecture = 'resfcn256' | 'prnet-light';

export const PRNET_ARCHITECTURES: readonly PrnetArchitecture[] = ['resfcn256', 'prnet-light'];

/** Key of the PRNet metadata inside model.json's `userDefinedMetadata`. */
export const METADATA_KEY = 'prnet';

/**
 * What a PRNet model file says about itself, stored in model.json as
 * `userDefinedMetadata.prnet` (via `model.setUserDefinedMetadata`).
 */
export interface PrnetModelMetadata {
  format: 'prnet-model';
  version: 1;
  architecture: PrnetArchitecture;
  /** Side S of the square network input crop, pixels (256 for resfcn256, 128 for the light net). */
  inputSize: number;
  /** Side R of the output position map, pixels (must match the UV layout used with it). */
  uvResolution: number;
  /** Output scale: crop pixels = inputSize × (sigmoid × outputScale − outputOffset) (PRNet: 1.1). */
  outputScale: number;
  /** Output offset, a fraction of inputSize (PRNet: 0; ours 0.25 — see `conventions.ts`). */
  outputOffset: number;
  /**
   * Crop side / mean side of the 68-landmark face box at inference (PRNet: 1.6, the training crops'
   * scale). A model calibrated to another box definition may differ: the shipped default uses
   * 1.45 for AFLW2000-3D's 68-point boxes (MODEL_CARD.md).
   */
  cropScale: number;
  /** False for a random-initialised network (its outputs are meaningless). */
  trained: boolean;
  /** Free text: what the model is, how it was trained. */
  description: string;
  /** Optional free-form training record (data, epochs, losses, evaluation results). */
  training?: Record<string, unknown>;
  /**
   * Optional landmark definition of this model: 68 distinct pixel indices (y · R + x) of its
   * position map that stand for the 68 points, replacing the UV layout's ICT landmark pixels
   * (`prnet-train calibrate-landmarks` fits them to the AFLW2000-3D convention). Plus a note of
   * where they came from.
   */
  landmarkPixels?: readonly number[];
  landmarkCalibration?: Record<string, unknown>;
  /**
   * Optional yaw-dependent landmark definition (`ProfileLandmarks` in the geometry module): 68
   * pixels for a head turned with its nose towards the image's left, mirrored for the other side,
   * blended in from `landmarkPixels` as |yaw| goes from `blendYawDegrees[0]` to `[1]`
   * (`prnet-train calibrate-landmarks` fits them to AFLW2000-3D's profile faces).
   */
  profileLandmarks?: { readonly pixels: readonly number[]; readonly blendYawDegrees: readonly [number, number] };
}

/** Metadata with the package conventions filled in (OUTPUT_SCALE, OUTPUT_OFFSET, CROP_SCALE). */
export function defaultMetadata(
  architecture: PrnetArchitecture,
  inputSize: number,
  fields: Partial<Omit<PrnetModelMetadata, 'format' | 'version' | 'architecture' | 'inputSize'>> = {},
): PrnetModelMetadata {
  const metadata: PrnetModelMetadata = {
    format: 'prnet-model',
    version: 1,
    architecture,
    inputSize,
    uvResolution: fields.uvResolution ?? inputSize,
    outputScale: fields.outputScale ?? OUTPUT_SCALE,
    outputOffset: fields.outputOffset ?? OUTPUT_OFFSET,
    cropScale: fields.cropScale ?? CROP_SCALE,
    trained: fields.trained ?? false,
    description: fields.description ?? `untrained ${architecture} (random initialisation)`,
  };
  if (fields.training !== undefined) metadata.training = fields.training;
  return metadata;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/**
 * Checks that `value` (model.json's `userDefinedMetadata.prnet`) is valid PRNet metadata and
 * returns a clean copy. Throws `ModelLoadError('not a PRNet model: …')`, naming `source` when given.
 */
export function validateMetadata(value: unknown, source?: string): PrnetModelMetadata {
  const where = source ? ` (${source})` : '';
  const fail = (why: string): never => {
    throw new ModelLoadError(`not a PRNet model: ${why}${where}`);
  };
  if (!isPlainObject(value)) return fail(`no userDefinedMetadata.${METADATA_KEY} object`);
  if (value.format !== 'prnet-model') return fail(`format is ${JSON.stringify(value.format)}, expected "prnet-model"`);
  if (value.version !== 1) return fail(`unsupported metadata version ${JSON.stringify(value.version)}`);
  const architecture = value.architecture;
  if (!PRNET_ARCHITECTURES.includes(architecture as PrnetArchitecture)) {
    return fail(`unknown architecture ${JSON.stringify(architecture)}`);
  }
  if (!isPositiveInteger(value.inputSize)) return fail(`inputSize ${JSON.stringify(value.inputSize)} is not a positive integer`);
  if (!isPositiveInteger(value.uvResolution)) {
    return fail(`uvResolution ${JSON.stringify(value.uvResolution)} is not a positive integer`);
  }
  if (!isPositiveNumber(value.outputScale)) return fail(`outputScale ${JSON.stringify(value.outputScale)} is not positive`);
  // Absent in PRNet-style files: their output has no offset.
  const outputOffset = value.outputOffset ?? 0;
  if (typeof outputOffset !== 'number' || !Number.isFinite(outputOffset)) {
    return fail(`outputOffset ${JSON.stringify(value.outputOffset)} is not a finite number`);
  }
  if (!isPositiveNumber(value.cropScale)) return fail(`cropScale ${JSON.stringify(value.cropScale)} is not positive`);
  if (typeof value.trained !== 'boolean') return fail('trained is not a boolean');
  if (typeof value.description !== 'string') return fail('description is not a string');
  if (value.training !== undefined && !isPlainObject(value.training)) return fail('training is not an object');
  const metadata: PrnetModelMetadata = {
    format: 'prnet-model',
    version: 1,
    architecture: architecture as PrnetArchitecture,
    inputSize: value.inputSize,
    uvResolution: value.uvResolution,
    outputScale: value.outputScale,
    outputOffset,
    cropScale: value.cropScale,
    trained: value.trained,
    description: value.description,
  };
  if (value.training !== undefined) metadata.training = value.training as Record<string, unknown>;
  if (value.landmarkPixels !== undefined) {
    const pixels = value.landmarkPixels;
    const R2 = value.uvResolution * value.uvResolution;
    if (
      !Array.isArray(pixels) ||
      pixels.length !== 68 ||
      !pixels.every((p) => Number.isInteger(p) && p >= 0 && p < R2) ||
      new Set(pixels).size !== 68
    ) {
      return fail(`landmarkPixels must be 68 distinct integers in [0, ${R2})`);
    }
    metadata.landmarkPixels = pixels as number[];
  }
  if (value.profileLandmarks !== undefined) {
    const profile = value.profileLandmarks as { pixels?: unknown; blendYawDegrees?: unknown } | null;
    const R2 = value.uvResolution * value.uvResolution;
    const pixels = profile?.pixels;
    const blend = profile?.blendYawDegrees;
    if (!isPlainObject(profile) || !Array.isArray(pixels) || pixels.length !== 68 || !pixels.every((p) => Number.isInteger(p) && p >= 0 && p < R2)) {
      return fail(`profileLandmarks.pixels must be 68 integers in [0, ${R2})`);
    }
    if (!Array.isArray(blend) || blend.length !== 2 || !(blend[0] >= 0 && blend[1] > blend[0] && blend[1] <= 180)) {
      return fail(`profileLandmarks.blendYawDegrees must be [lo, hi] degrees with 0 ≤ lo < hi ≤ 180, got ${JSON.stringify(blend)}`);
    }
    metadata.profileLandmarks = { pixels: pixels as number[], blendYawDegrees: [blend[0], blend[1]] };
  }
  if (value.landmarkCalibration !== undefined) {
    if (!isPlainObject(value.landmarkCalibration)) return fail('landmarkCalibration is not an object');
    metadata.landmarkCalibration = value.landmarkCalibration;
  }
  return metadata;
}

/**
 * Reader of the AFLW2000-3D folder format used by `../shared/data/aflw2000-dev` (and by the held-out
 * test split): `annotations.json` → `samples[]` of
 *   { image: "images/x.jpg" (relative to the folder), landmarks68: [[x, y, z] × 68],
 *     pitchYawRollDegrees: [p, y, r], yawBinDegrees: |yaw| }
 * with x, y in image pixels (origin top-left, y down) and z in the same scale, larger = closer.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { findSharedDataDir } from '../ict/ict-model.js';
import type { Angles } from './metrics.js';

export type Aflw2000ErrorReason = 'MISSING_FOLDER' | 'MISSING_ANNOTATIONS' | 'INVALID_ANNOTATIONS';

/** Thrown when an AFLW2000-3D folder is missing or its `annotations.json` is absent or malformed. */
export class Aflw2000DataError extends Error {
  readonly reason: Aflw2000ErrorReason;
  constructor(reason: Aflw2000ErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Aflw2000DataError';
    this.reason = reason;
  }
}

export interface Aflw2000Sample {
  /** The image path as written in the annotations (relative to the folder). */
  readonly image: string;
  /** Absolute path of the image file. */
  readonly imagePath: string;
  /** [68*3] ground-truth 3D landmarks x, y, z in image pixels. */
  readonly landmarks68: Float32Array;
  /** Ground-truth pitch, yaw, roll in degrees (AFLW2000-3D `Pose_Para`). */
  readonly pitchYawRollDegrees: Angles;
  /** |yaw| in degrees that the NME protocol bins by. */
  readonly yawBinDegrees: number;
}

export interface Aflw2000Dataset {
  /** Absolute path of the folder. */
  readonly dir: string;
  readonly samples: readonly Aflw2000Sample[];
}

/** The dev split in the shared data folder (`<shared data>/aflw2000-dev`), or undefined when absent. */
export function findAflw2000DevDir(): string | undefined {
  const shared = findSharedDataDir();
  const dir = shared ? join(shared, 'aflw2000-dev') : undefined;
  return dir && existsSync(join(dir, 'annotations.json')) ? dir : undefined;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Loads an AFLW2000-3D folder's annotations (images are not read). Throws `Aflw2000DataError`
 * for a missing folder, a missing or unparsable `annotations.json`, or a malformed sample (naming it).
 */
export function loadAflw2000(dir: string): Aflw2000Dataset {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Aflw2000DataError('MISSING_FOLDER', `AFLW2000-3D folder not found: ${root}`);
  }
  const file = join(root, 'annotations.json');
  if (!existsSync(file)) {
    throw new Aflw2000DataError('MISSING_ANNOTATIONS', `${file} not found (an AFLW2000-3D folder holds annotations.json)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new Aflw2000DataError('INVALID_ANNOTATIONS', `${file} is not valid JSON`, { cause });
  }
  const raw = (json as { samples?: unknown } | null)?.samples;
  if (!Array.isArray(raw)) {
    throw new Aflw2000DataError('INVALID_ANNOTATIONS', `${file} has no "samples" array`);
  }
  const samples = raw.map((s: unknown, index): Aflw2000Sample => {
    const bad = (what: string) =>
      new Aflw2000DataError('INVALID_ANNOTATIONS', `${file}: sample ${index} ${what}`);
    const sample = s as Record<string, unknown> | null;
    if (!sample || typeof sample !== 'object') throw bad('is not an object');
    if (typeof sample.image !== 'string' || sample.image === '') throw bad('has no "image" path');
    const points = sample.landmarks68;
    if (!Array.isArray(points) || points.length !== 68) throw bad('needs "landmarks68" with 68 [x, y, z] points');
    const landmarks68 = new Float32Array(68 * 3);
    points.forEach((p: unknown, i) => {
      if (!Array.isArray(p) || p.length !== 3 || !p.every(isFiniteNumber)) throw bad(`landmark ${i} is not [x, y, z]`);
      landmarks68.set(p as number[], 3 * i);
    });
    const angles = sample.pitchYawRollDegrees;
    if (!Array.isArray(angles) || angles.length !== 3 || !angles.every(isFiniteNumber)) {
      throw bad('needs "pitchYawRollDegrees": [pitch, yaw, roll]');
    }
    const yaw = sample.yawBinDegrees ?? Math.abs(angles[1] as number);
    if (!isFiniteNumber(yaw)) throw bad('has a non-numeric "yawBinDegrees"');
    return {
      image: sample.image,
      imagePath: isAbsolute(sample.image) ? sample.image : join(root, sample.image),
      landmarks68,
      pitchYawRollDegrees: [angles[0], angles[1], angles[2]] as Angles,
      yawBinDegrees: Math.abs(yaw),
    };
  });
  return { dir: root, samples };
}

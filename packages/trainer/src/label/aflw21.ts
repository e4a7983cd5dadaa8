import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IctModel } from '../ict/ict-model.js';
import { meanVertexPoints, type MeshPoints } from './fit-mesh.js';

/** Number of points of the AFLW markup. */
export const AFLW21_COUNT = 21;
/** AFLW-21 indices of the two ears: they lie outside the ICT face area and take no part. */
export const AFLW21_EARS = [12, 16] as const;

/**
 * Each AFLW-21 point as Multi-PIE 68-landmark indices whose mean defines it on the mesh
 * (null for the ears). "Left" = image left, as in both markups: AFLW 0–2 image-left brow
 * (outer → inner) = 68-pt 17, 19, 21; 6–8 image-left eye outer / centre / inner = 36, mean of the
 * four lid points, 39; nose wings = 31, 35 (alar base); tip 30; mouth corners 48, 54; mouth centre
 * = the mean of the four mid-lip points; chin 8.
 */
export const AFLW21_FROM_68: readonly (readonly number[] | null)[] = [
  [17], [19], [21], [22], [24], [26],
  [36], [37, 38, 40, 41], [39], [42], [43, 44, 46, 47], [45],
  null, [31], [30], [35], null,
  [48], [51, 57, 62, 66], [54], [8],
];

/** The AFLW-21 points on the ICT mesh (ears excluded) and the AFLW index of each. */
export interface Aflw21Points {
  readonly points: MeshPoints;
  /** [n] AFLW-21 index of each mesh point. */
  readonly aflwIndex: readonly number[];
}

/** AFLW-21 → ICT mesh points through the model's 68 landmark vertices (`AFLW21_FROM_68`). */
export function aflw21MeshPoints(model: IctModel): Aflw21Points {
  const groups: number[][] = [];
  const aflwIndex: number[] = [];
  AFLW21_FROM_68.forEach((l68, i) => {
    if (!l68) return;
    groups.push(l68.map((k) => model.landmarks68[k]));
    aflwIndex.push(i);
  });
  return { points: meanVertexPoints(groups), aflwIndex };
}

/** One sample of `aflw-crops/annotations.json`. */
export interface AflwAnnotation {
  /** Image path relative to the folder. */
  readonly image: string;
  /** 21 × [x, y] crop pixels, null = not annotated. */
  readonly landmarks21: readonly (readonly [number, number] | null)[];
  readonly yawDegrees: number;
}

/** Reads `dir/annotations.json` of the AFLW crops. @throws Error when missing or malformed. */
export function readAflwAnnotations(dir: string): AflwAnnotation[] {
  const path = join(dir, 'annotations.json');
  if (!existsSync(path)) throw new Error(`no AFLW annotations at ${path}`);
  const json = JSON.parse(readFileSync(path, 'utf8')) as { samples?: AflwAnnotation[] };
  if (!Array.isArray(json.samples)) throw new Error(`${path}: no samples[]`);
  for (const s of json.samples) {
    if (typeof s.image !== 'string' || !Array.isArray(s.landmarks21) || s.landmarks21.length !== AFLW21_COUNT) {
      throw new Error(`${path}: malformed sample ${JSON.stringify(s).slice(0, 120)}`);
    }
  }
  return json.samples;
}

/** The tight box of the annotated points and sqrt(w·h), the NME normaliser. */
export function annotationBox(landmarks21: AflwAnnotation['landmarks21']): { box: [number, number, number, number]; size: number; count: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let count = 0;
  for (const p of landmarks21) {
    if (!p) continue;
    count++;
    x0 = Math.min(x0, p[0]);
    y0 = Math.min(y0, p[1]);
    x1 = Math.max(x1, p[0]);
    y1 = Math.max(y1, p[1]);
  }
  return { box: [x0, y0, x1, y1], size: Math.sqrt(Math.max(0, x1 - x0) * Math.max(0, y1 - y0)), count };
}

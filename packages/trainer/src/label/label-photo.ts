import { InvalidArgumentError, type Box, type RgbImage } from '@prnet/core';
import { anglesFromRotation, MODEL_FRONTAL_PITCH_DEGREES, multiply3, rotationFromAngles } from '@prnet/core/geometry';
import type { PoseDegrees } from '../data/synthetic-face.js';
import type { IctModel } from '../ict/ict-model.js';
import { createUvRasteriser, type UvRasteriser } from '../uv-layout/uv-rasteriser.js';
import { aflw21MeshPoints, annotationBox, type AflwAnnotation, type Aflw21Points } from './aflw21.js';
import type { TeacherCorrespondence } from './correspondence.js';
import { createMeshFitter, fittedImageVertices, vertexPoints, type MeshFit, type MeshFitter, type MeshFitterOptions } from './fit-mesh.js';
import type { Teacher, TeacherResult } from './teacher.js';

/**
 * Weight of one annotated 2D point against one teacher point of weight 1 (~400 teacher weight in
 * all): 20 lets the 19 annotations pull a poor teacher answer towards them without
 * letting annotation noise dominate. Picked on 120 held-out AFLW photos (median NME 4.1 → 2.5 %
 * for |yaw| ≤ 30 against 3.2 % with weight 4).
 */
export const DEFAULT_ANNOTATION_WEIGHT = 20;

/** Options of `createPhotoLabeller`; defaults in brackets. */
export interface PhotoLabellerOptions {
  /** Position-map side R. [128] */
  readonly uvResolution?: number;
  /** Fit the annotated 2D points too (with `fit.pointWeight2d`). [true] */
  readonly useAnnotations?: boolean;
  /** AFLW-21 points on the mesh. [the 68-landmark definitions, `aflw21MeshPoints`] */
  readonly aflw21?: Aflw21Points;
  /** Iterations of the second fit (with the annotations), started from the teacher-only fit. [3] */
  readonly annotationIterations?: number;
  /** Fitter settings. */
  readonly fit?: MeshFitterOptions;
}

/** How good one fitted label is. */
export interface LabelQuality {
  /**
   * NME of the final fitted mesh's AFLW-21 points (ears excluded) against the human annotations:
   * mean 2D distance / sqrt(w·h) of the annotated box. When the annotations took part in the fit
   * this measures agreement, not independent accuracy (see `nmeTeacherOnly`).
   */
  readonly nme: number;
  /** The same NME for a fit to the teacher's points alone (annotations unused): an independent check. */
  readonly nmeTeacherOnly: number;
  /** Annotated points that entered the NME. */
  readonly points: number;
  /** The teacher's face score (0..1). */
  readonly faceScore: number;
  /** RMS distance of the teacher points from the fitted mesh, as a fraction of the annotated box size. */
  readonly teacherRms: number;
}

/** A labelled photo: the fields of a dataset `Sample` (image frame) plus its quality. */
export interface LabelledPhoto {
  /** [R*R*3] image-frame position map, z zero at the mean over the mask; 0 outside. */
  readonly positionMap: Float32Array;
  /** [68*3] image frame, same z offset. */
  readonly landmarks68: Float32Array;
  readonly pose: PoseDegrees;
  /** [53] fitted expression weights. */
  readonly expression: Float32Array;
  /** [identityCount] fitted identity weights. */
  readonly identity: Float32Array;
  readonly quality: LabelQuality;
  /** The teacher's answer (image frame). */
  readonly teacher: TeacherResult;
  /** [V*3] the fitted mesh, image frame (z as in `positionMap`); only the face area [0, faceVertexEnd] is filled. */
  readonly vertices: Float32Array;
}

export interface LabelCallOptions {
  /** Overrides the labeller's `useAnnotations` for this call. */
  readonly useAnnotations?: boolean;
}

export interface PhotoLabeller {
  readonly uv: UvRasteriser;
  readonly aflw: Aflw21Points;
  /** Labels one photo from its AFLW-21 annotation (crop pixels). @throws InvalidArgumentError with fewer than 4 annotated points. */
  label(image: RgbImage, annotation: Pick<AflwAnnotation, 'landmarks21'>, options?: LabelCallOptions): LabelledPhoto;
  /** Labels from a teacher result and optional 2D targets (the synthetic tests use this). */
  labelFromTeacher(teacher: TeacherResult, annotation?: Pick<AflwAnnotation, 'landmarks21'>, options?: LabelCallOptions): LabelledPhoto;
}

/** Per-point teacher weights from the correspondence residuals: 1 up to the median residual, falling as (median/residual)² beyond. */
export function teacherWeights(c: TeacherCorrespondence): Float64Array {
  const sorted = [...c.residual].filter(Number.isFinite).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return Float64Array.from(c.residual, (r) => (Number.isFinite(r) && r > 0 ? Math.min(1, (median / r) ** 2) : 0));
}

/** Head pose (AFLW2000-3D convention, as the synthetic labels) of a fit. */
export function poseOfFit(fit: MeshFit): PoseDegrees {
  const reference = rotationFromAngles(MODEL_FRONTAL_PITCH_DEGREES, 0, 0);
  return anglesFromRotation(multiply3(fit.similarity.rotation, reference));
}

/**
 * The real-photo labeller: teacher points (MediaPipe face mesh) → ICT vertices through the
 * correspondence → morphable-model fit (`createMeshFitter`), optionally with the annotated AFLW-21
 * points as extra 2D constraints → the same label path as the synthetic data (UV rasteriser,
 * z centred on the face, 68 landmark vertices, pose in core's convention).
 */
export function createPhotoLabeller(
  model: IctModel,
  teacher: Teacher | undefined,
  correspondence: TeacherCorrespondence,
  options: PhotoLabellerOptions = {},
): PhotoLabeller {
  const uv = createUvRasteriser(model, options.uvResolution ?? 128);
  const aflw = options.aflw21 ?? aflw21MeshPoints(model);
  const weights = teacherWeights(correspondence);
  const points3d = vertexPoints(correspondence.vertices);
  const fitter: MeshFitter = createMeshFitter(model, points3d, aflw.points, weights, { pointWeight2d: DEFAULT_ANNOTATION_WEIGHT, ...options.fit });
  const useAnnotations = options.useAnnotations ?? true;
  const annotationIterations = options.annotationIterations ?? 3;
  const zScale = correspondence.zScale > 0 ? correspondence.zScale : 1;

  function aflwTargets(annotation: Pick<AflwAnnotation, 'landmarks21'>): Float32Array {
    const t = new Float32Array(aflw.aflwIndex.length * 2).fill(Number.NaN);
    aflw.aflwIndex.forEach((a, i) => {
      const p = annotation.landmarks21[a];
      if (p) [t[i * 2], t[i * 2 + 1]] = [p[0], p[1]];
    });
    return t;
  }

  function nmeOf(fit: MeshFit, targets: Float32Array, size: number): { nme: number; points: number } {
    const at = fitter.projectPoints2d(fit);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < aflw.aflwIndex.length; i++) {
      if (!Number.isFinite(targets[i * 2])) continue;
      sum += Math.hypot(at[i * 3] - targets[i * 2], at[i * 3 + 1] - targets[i * 2 + 1]);
      n++;
    }
    return { nme: n > 0 && size > 0 ? sum / n / size : Number.NaN, points: n };
  }

  function labelFromTeacher(result: TeacherResult, annotation?: Pick<AflwAnnotation, 'landmarks21'>, call: LabelCallOptions = {}): LabelledPhoto {
    const targets3d = Float32Array.from(result.points);
    for (let i = 2; i < targets3d.length; i += 3) targets3d[i] /= zScale;
    const targets2d = annotation ? aflwTargets(annotation) : undefined;
    const size = annotation ? annotationBox(annotation.landmarks21).size : Number.NaN;
    const fitT = fitter.fit({ targets3d });
    const fit = targets2d && (call.useAnnotations ?? useAnnotations) ? fitter.fit({ targets3d, targets2d, initial: fitT, iterations: annotationIterations }) : fitT;
    const vertices = fittedImageVertices(model, fit, { faceOnly: true });
    const nmeTeacherOnly = targets2d ? nmeOf(fitT, targets2d, size).nme : Number.NaN;
    const final = targets2d ? nmeOf(fit, targets2d, size) : { nme: Number.NaN, points: 0 };
    // Same label path as data/sample.ts: position map, z centred over the mask pixels.
    const positionMap = uv.positionMap(vertices);
    let meanZ = 0;
    for (let k = 0; k < uv.pixels.length; k++) meanZ += positionMap[uv.pixels[k] * 3 + 2];
    meanZ /= uv.pixels.length;
    for (let k = 0; k < uv.pixels.length; k++) positionMap[uv.pixels[k] * 3 + 2] -= meanZ;
    for (let i = 2; i < vertices.length; i += 3) vertices[i] -= meanZ;
    const landmarks68 = new Float32Array(68 * 3);
    for (let i = 0; i < 68; i++) for (let c = 0; c < 3; c++) landmarks68[i * 3 + c] = vertices[model.landmarks68[i] * 3 + c];
    return {
      positionMap,
      landmarks68,
      pose: poseOfFit(fit),
      expression: fit.expression,
      identity: fit.identity,
      quality: {
        nme: final.nme,
        nmeTeacherOnly,
        points: final.points,
        faceScore: result.faceScore,
        teacherRms: size > 0 ? fit.rms3d / size : Number.NaN,
      },
      teacher: result,
      vertices,
    };
  }

  function label(image: RgbImage, annotation: Pick<AflwAnnotation, 'landmarks21'>, call: LabelCallOptions = {}): LabelledPhoto {
    if (!teacher) throw new InvalidArgumentError('createPhotoLabeller: label() needs a teacher');
    const { box, count } = annotationBox(annotation.landmarks21);
    if (count < 4 || !(box[2] > box[0]) || !(box[3] > box[1])) throw new InvalidArgumentError(`too few annotated points (${count}) for a face box`);
    return labelFromTeacher(teacher.run(image, box as Box), annotation, call);
  }

  return { uv, aflw, label, labelFromTeacher };
}

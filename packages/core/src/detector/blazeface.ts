import * as tfconv from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { DisposedError, InvalidImageError, ModelLoadError, PrnetError } from '../errors.js';
import { cropFromCentre, cropToImageMatrix, type Box, type CropTransform } from '../geometry/crop.js';
import { cropToTensor } from '../image/crop-tensor.js';
import type { DetectedFace, FaceDetector } from './types.js';
import { BLAZEFACE_LAYER_ROWS, blazeFaceAnchors } from './anchors.js';
import {
  BLAZEFACE_KEYPOINT_COUNT,
  BLAZEFACE_REGRESSOR_SIZE,
  blendDetections,
  decodeCandidates,
} from './decode.js';

export interface BlazeFaceConfig {
  /**
   * The BlazeFace graph model (e.g. `@vladmandic/human/models/blazeface.json`): a loaded
   * `GraphModel` (not disposed by the detector), a URL, or a tfjs `io.IOHandler` (in Node, see
   * `loadDefaultDetector` in `@prnet/core/node`).
   */
  model: tfconv.GraphModel | string | tf.io.IOHandler;
  /** Minimum score (0..1) of a reported face. Default 0.5. */
  scoreThreshold?: number;
  /** Overlap (IoU) above which a weaker box is suppressed and blended into the stronger one. Default 0.3. */
  iouThreshold?: number;
  /** Most faces returned. Default 10. */
  maxFaces?: number;
  /** Blend overlapping candidates' boxes and keypoints, weighted by score (MediaPipe's weighted NMS). Default true. */
  weightedBlend?: boolean;
}

export const BLAZEFACE_DEFAULTS = {
  scoreThreshold: 0.5,
  iouThreshold: 0.3,
  maxFaces: 10,
  weightedBlend: true,
} as const;

/**
 * The square crop that letterboxes an image of `width`×`height` into the detector's
 * `inputSize`² input: centred, side = the longer image side, the rest filled with black.
 */
export function letterboxCrop(width: number, height: number, inputSize: number): CropTransform {
  return cropFromCentre(width / 2, height / 2, Math.max(width, height), inputSize);
}

async function loadModel(model: BlazeFaceConfig['model']): Promise<{ model: tfconv.GraphModel; owned: boolean }> {
  if (model instanceof tfconv.GraphModel) return { model, owned: false };
  try {
    return { model: await tfconv.loadGraphModel(model), owned: true };
  } catch (cause) {
    if (cause instanceof PrnetError) throw cause;
    const where = typeof model === 'string' ? ` from ${model}` : '';
    throw new ModelLoadError(`could not load the BlazeFace model${where}: ${(cause as Error).message}`, { cause });
  }
}

/** Which of the model's outputs is which, found from their shapes. */
interface OutputLayout {
  logits: [number, number];
  regressors: [number, number];
}

function findLayout(outputs: tf.Tensor[]): OutputLayout {
  const find = (rows: number, cols: number): number =>
    outputs.findIndex((t) => t.rank === 3 && t.shape[0] === 1 && t.shape[1] === rows && t.shape[2] === cols);
  const [rowsA, rowsB] = BLAZEFACE_LAYER_ROWS;
  const layout: OutputLayout = {
    logits: [find(rowsA, 1), find(rowsB, 1)],
    regressors: [find(rowsA, BLAZEFACE_REGRESSOR_SIZE), find(rowsB, BLAZEFACE_REGRESSOR_SIZE)],
  };
  if ([...layout.logits, ...layout.regressors].some((i) => i < 0)) {
    throw new ModelLoadError(
      `not a BlazeFace model: expected outputs [1,512,1], [1,384,1], [1,512,16], [1,384,16], got ${outputs
        .map((t) => `[${t.shape.join(',')}]`)
        .join(' ')}`,
    );
  }
  return layout;
}

/**
 * Creates a BlazeFace face detector (the 256×256 "back camera"/full-range variant with 896 anchors
 * shipped by `@vladmandic/human`). Pipeline: letterbox the image into the square input (keeping
 * its aspect), scale pixels to [-1, 1], run the network, decode the anchors, NMS
 * (`tf.image.nonMaxSuppressionAsync`), blend overlapping candidates, map back to image pixels.
 *
 * Throws `ModelLoadError` when the model cannot be loaded or its inputs/outputs are not BlazeFace's.
 */
export async function createBlazeFaceDetector(config: BlazeFaceConfig): Promise<FaceDetector> {
  const scoreThreshold = config.scoreThreshold ?? BLAZEFACE_DEFAULTS.scoreThreshold;
  const iouThreshold = config.iouThreshold ?? BLAZEFACE_DEFAULTS.iouThreshold;
  const maxFaces = config.maxFaces ?? BLAZEFACE_DEFAULTS.maxFaces;
  const weightedBlend = config.weightedBlend ?? BLAZEFACE_DEFAULTS.weightedBlend;
  const { model, owned } = await loadModel(config.model);

  const inputShape = model.inputs[0]?.shape;
  const inputSize = inputShape?.[1] ?? 256;
  if (
    model.inputs.length !== 1 ||
    !inputShape ||
    inputShape.length !== 4 ||
    inputShape[3] !== 3 ||
    !(inputSize > 0) ||
    (inputShape[2] !== -1 && inputShape[2] !== inputSize)
  ) {
    if (owned) model.dispose();
    throw new ModelLoadError(`not a BlazeFace model: expected one [1, S, S, 3] input, got [${inputShape?.join(', ')}]`);
  }
  const anchors = blazeFaceAnchors(inputSize);

  // One dry run: validates the outputs and warms the backend up.
  let layout: OutputLayout;
  {
    const probe = tf.zeros([1, inputSize, inputSize, 3]);
    const outputs = model.execute(probe) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(outputs) ? outputs : [outputs];
    try {
      layout = findLayout(list);
    } catch (error) {
      if (owned) model.dispose();
      throw error;
    } finally {
      tf.dispose([probe, ...list]);
    }
  }

  let disposed = false;

  async function detect(image: tf.Tensor3D): Promise<DetectedFace[]> {
    if (disposed) throw new DisposedError('the face detector');
    if (!(image instanceof tf.Tensor) || image.rank !== 3 || image.shape[2] !== 3) {
      throw new InvalidImageError(`detect needs an [H, W, 3] image tensor, got shape [${image?.shape?.join(', ')}]`);
    }
    const [height, width] = image.shape;
    if (height === 0 || width === 0) throw new InvalidImageError('detect: the image has no pixels');
    const crop = letterboxCrop(width, height, inputSize);

    const outputs = tf.tidy(() => {
      const input = tf.sub(tf.mul(cropToTensor(image, [crop]), 2), 1);
      const raw = model.execute(input) as tf.Tensor[];
      const list = Array.isArray(raw) ? raw : [raw];
      return [
        tf.concat([list[layout.logits[0]], list[layout.logits[1]]], 1),
        tf.concat([list[layout.regressors[0]], list[layout.regressors[1]]], 1),
      ];
    });
    let logits: Float32Array;
    let regressors: Float32Array;
    try {
      [logits, regressors] = (await Promise.all(outputs.map((t) => t.data()))) as Float32Array[];
    } finally {
      tf.dispose(outputs);
    }

    const candidates = decodeCandidates(logits, regressors, anchors, scoreThreshold);
    const n = candidates.scores.length;
    if (n === 0) return [];
    // NMS on [y0, x0, y1, x1] boxes.
    const nmsBoxes = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const b = candidates.boxes;
      nmsBoxes.set([b[i * 4 + 1], b[i * 4], b[i * 4 + 3], b[i * 4 + 2]], i * 4);
    }
    const boxesT = tf.tensor2d(nmsBoxes, [n, 4]);
    const scoresT = tf.tensor1d(candidates.scores);
    let kept: Int32Array;
    try {
      const keptT = await tf.image.nonMaxSuppressionAsync(boxesT, scoresT, maxFaces, iouThreshold, scoreThreshold);
      kept = (await keptT.data()) as Int32Array;
      keptT.dispose();
    } finally {
      tf.dispose([boxesT, scoresT]);
    }

    const [a, b, c, d, e, f] = cropToImageMatrix(crop); // rotation 0: b = d = 0
    const mapX = (u: number, v: number): number => a * u + b * v + c;
    const mapY = (u: number, v: number): number => d * u + e * v + f;
    return blendDetections(candidates, kept, iouThreshold, weightedBlend).map((det) => {
      const keypoints: [number, number][] = [];
      for (let k = 0; k < BLAZEFACE_KEYPOINT_COUNT; k++) {
        const u = det.keypoints[2 * k];
        const v = det.keypoints[2 * k + 1];
        keypoints.push([mapX(u, v), mapY(u, v)]);
      }
      const box: Box = [
        mapX(det.box[0], det.box[1]),
        mapY(det.box[0], det.box[1]),
        mapX(det.box[2], det.box[3]),
        mapY(det.box[2], det.box[3]),
      ];
      return { box, score: det.score, keypoints };
    });
  }

  return {
    detect,
    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (owned) model.dispose();
    },
  };
}

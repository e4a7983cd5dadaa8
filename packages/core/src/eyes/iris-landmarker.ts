import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import { InvalidArgumentError, ModelLoadError, PrnetError, DisposedError } from '../errors.js';
import { EYE_CONTOUR_POINTS, IRIS_POINTS, eyeCropBox, eyeMeasures, type EyeMeasures } from './eye-measures.js';

/**
 * Eyelids and irises from MediaPipe's iris landmark model (the `iris.json` graph model that the npm
 * package `@vladmandic/human` ships in `models/`): the face's 68 landmarks give each eye's corners,
 * a square crop around them (side 2.3 × the corner distance) is resized to 64², the subject's left
 * eye mirrored (the model sees right eyes), and the model's 71 contour + 5 iris points come back
 * in image pixels. `eyeMeasures` turns them into openness and gaze.
 */
export interface IrisLandmarkerConfig {
  /** The graph model, or where to load it from (URL, or a tfjs IOHandler such as core/node's file handler). */
  model: string | URL | tf.io.IOHandler | tfconv.GraphModel;
  /** Crop side / eye-corner distance. Default 2.3. */
  boxScale?: number;
}

/** One eye: measures plus the points they came from (image pixels). */
export interface EyeObservation extends EyeMeasures {
  /** [16 * 2] lid contour: lower lid outer → inner corner (0 … 8), upper lid (9 … 15). */
  readonly contour: Float32Array;
  /** [5 * 2] iris, centre first. */
  readonly iris: Float32Array;
}

/** Both eyes; right and left are the subject's (image-left and image-right in an unmirrored frontal photo). */
export interface EyesObservation {
  readonly right: EyeObservation;
  readonly left: EyeObservation;
}

export interface IrisLandmarker {
  /**
   * Both eyes of a face. @param image [H, W, 3] RGB 0..255 (not disposed). @param landmarks68
   * the face's 68 landmarks, [x, y, z] per point (a `FaceReconstruction.landmarks68`).
   */
  estimate(image: tf.Tensor3D, landmarks68: ArrayLike<number>): Promise<EyesObservation>;
  /** Releases the model when this landmarker loaded it. Safe twice. */
  dispose(): void;
}

const INPUT = 64;
const MODEL_POINTS = 76;
const IRIS_FIRST = 71;
/** 68-landmark indices of the corners: [outer, inner] for the subject's right and left eye. */
const RIGHT_EYE = [36, 39] as const;
const LEFT_EYE = [45, 42] as const;

export async function createIrisLandmarker(config: IrisLandmarkerConfig): Promise<IrisLandmarker> {
  if (!config || config.model === undefined) throw new InvalidArgumentError('createIrisLandmarker: config.model is required');
  const boxScale = config.boxScale ?? 2.3;
  if (!(boxScale > 0)) throw new InvalidArgumentError(`boxScale must be positive, got ${boxScale}`);
  let model: tfconv.GraphModel;
  const owned = !(config.model instanceof tfconv.GraphModel);
  try {
    model =
      config.model instanceof tfconv.GraphModel
        ? config.model
        : await tfconv.loadGraphModel(config.model instanceof URL ? config.model.href : config.model);
  } catch (cause) {
    if (cause instanceof PrnetError) throw cause;
    const where = typeof config.model === 'string' ? ` from ${config.model}` : '';
    throw new ModelLoadError(`could not load the iris model${where}: ${(cause as Error).message}`, { cause });
  }
  const shape = model.inputs[0]?.shape;
  if (!shape || shape[1] !== INPUT || shape[2] !== INPUT || shape[3] !== 3) {
    if (owned) model.dispose();
    throw new ModelLoadError(`not an iris landmark model: input ${JSON.stringify(shape)}, expected [-1, 64, 64, 3]`);
  }
  let disposed = false;

  async function estimate(image: tf.Tensor3D, landmarks68: ArrayLike<number>): Promise<EyesObservation> {
    if (disposed) throw new DisposedError('IrisLandmarker');
    if (image.rank !== 3 || image.shape[2] !== 3) throw new InvalidArgumentError(`image must be [H, W, 3], got [${image.shape.join(', ')}]`);
    if (landmarks68.length < 68 * 3) throw new InvalidArgumentError(`landmarks68 needs 68 × [x, y, z], got ${landmarks68.length} numbers`);
    const [H, W] = image.shape;
    const corner = (k: number): [number, number] => [landmarks68[3 * k], landmarks68[3 * k + 1]];
    const boxes = [RIGHT_EYE, LEFT_EYE].map(([outer, inner]) => eyeCropBox(corner(outer), corner(inner), boxScale));
    const output = tf.tidy(() => {
      // Crop first, then scale to 0..1: only the two 64² crops are touched, not the whole frame.
      const batch = tf.expandDims(image.dtype === 'float32' ? image : tf.cast(image, 'float32'), 0) as tf.Tensor4D;
      const crops = tf.mul(
        tf.image.cropAndResize(batch, boxes.map(([x0, y0, x1, y1]) => [y0 / H, x0 / W, y1 / H, x1 / W]), [0, 0], [INPUT, INPUT]),
        1 / 255,
      ) as tf.Tensor4D;
      const right = tf.slice(crops, [0, 0, 0, 0], [1, INPUT, INPUT, 3]);
      const left = tf.reverse(tf.slice(crops, [1, 0, 0, 0], [1, INPUT, INPUT, 3]), 2);
      return model.execute(tf.concat([right, left], 0)) as tf.Tensor;
    });
    let values: Float32Array;
    try {
      values = (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
    if (values.length !== 2 * MODEL_POINTS * 3) {
      throw new ModelLoadError(`iris model returned ${values.length} values, expected ${2 * MODEL_POINTS * 3}`);
    }
    const eye = (e: number): EyeObservation => {
      const [x0, y0, x1] = boxes[e];
      const side = x1 - x0;
      const mirrored = e === 1;
      const point = (i: number): [number, number] => {
        const x = values[(e * MODEL_POINTS + i) * 3];
        const y = values[(e * MODEL_POINTS + i) * 3 + 1];
        return [x0 + ((mirrored ? INPUT - x : x) / INPUT) * side, y0 + (y / INPUT) * side];
      };
      const contour = new Float32Array(EYE_CONTOUR_POINTS * 2);
      for (let i = 0; i < EYE_CONTOUR_POINTS; i++) contour.set(point(i), 2 * i);
      const iris = new Float32Array(IRIS_POINTS * 2);
      for (let i = 0; i < IRIS_POINTS; i++) iris.set(point(IRIS_FIRST + i), 2 * i);
      return { ...eyeMeasures(contour, iris), contour, iris };
    };
    return { right: eye(0), left: eye(1) };
  }

  return {
    estimate,
    dispose() {
      if (disposed) return;
      disposed = true;
      if (owned) model.dispose();
    },
  };
}

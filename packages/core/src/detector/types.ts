import type * as tf from '@tensorflow/tfjs-core';
import type { Box } from '../geometry/crop.js';

/** A face found by a detector, in image pixels (continuous coordinates, see conventions.ts). */
export interface DetectedFace {
  /** The detector's box [x0, y0, x1, y1]; may extend past the image edges. Not the 68-landmark box: see `faceBoxFromDetection`. */
  readonly box: Box;
  /** Confidence in 0..1. */
  readonly score: number;
  /**
   * BlazeFace's 6 keypoints [x, y]: eye (image-left), eye (image-right), nose tip, mouth centre,
   * ear tragion (image-left), ear tragion (image-right). Image-left = the subject's right.
   */
  readonly keypoints: [number, number][];
}

/** A face detector. Detection is asynchronous (it reads back from the backend). */
export interface FaceDetector {
  /** Faces in an image tensor [H, W, 3] (0..255), best score first. The image is not disposed. */
  detect(image: tf.Tensor3D): Promise<DetectedFace[]>;
  /** Releases the model when the detector loaded it (a GraphModel passed in stays the caller's). Safe twice. */
  dispose(): void;
}


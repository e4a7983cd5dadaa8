import type { RgbImage } from '@prnet/core';
import type { IctModel } from '../ict/ict-model.js';
import { createFaceRenderer, type FaceRenderer } from '../render/face-renderer.js';
import type { FaceFeatures } from '../render/face-features.js';
import { createUvRasteriser, type UvRasteriser } from '../uv-layout/uv-rasteriser.js';
import { sampleSeed, sampleSyntheticFace, type PoseDegrees, type SyntheticFaceOptions } from './synthetic-face.js';

/**
 * One training sample, all geometry in the IMAGE frame of its full (uncropped) image
 * (`conventions.ts`: x right, y down, pixels; z towards the viewer in the same scale, zero at the
 * mean depth of the face's position-map pixels, as in core's initial model).
 */
export interface Sample {
  /** Index of the sample in its dataset. */
  readonly index: number;
  /** The 32-bit seed it was drawn from (`sampleSeed(datasetSeed, index)`). */
  readonly seed: number;
  /** imageSize² RGB image (channels 3). */
  readonly image: RgbImage;
  /** [R*R*3] UV position map, image-frame pixels; exactly 0 outside the UV mask. */
  readonly positionMap: Float32Array;
  /** [68*3] the 68 Multi-PIE landmarks (3D, image frame). */
  readonly landmarks68: Float32Array;
  /** Head pose in degrees (AFLW2000-3D convention). */
  readonly pose: PoseDegrees;
  /** [53] expression weights in `EXPRESSION_NAMES` order. */
  readonly expression: Float32Array;
}

export interface SampleGeneratorOptions {
  /** Image side in pixels. [192] */
  readonly imageSize?: number;
  /** Position-map side R. [128] */
  readonly uvResolution?: number;
  /** Face sampling options (imageSize is taken from above). */
  readonly face?: Omit<SyntheticFaceOptions, 'imageSize'>;
  /** Precomputed renderer features (share between generators of one model). */
  readonly features?: FaceFeatures;
}

/** Renders samples of a dataset; holds the renderer's scratch buffers (one per thread). */
export interface SampleGenerator {
  readonly imageSize: number;
  readonly uvResolution: number;
  /** [R*R] 1 where the UV position map is defined. */
  readonly mask: Uint8Array;
  /** Sample `index` of the dataset with seed `datasetSeed`: a pure function of both. */
  generate(datasetSeed: number, index: number): Sample;
}

export function createSampleGenerator(model: IctModel, options: SampleGeneratorOptions = {}): SampleGenerator {
  const imageSize = options.imageSize ?? 192;
  const uvResolution = options.uvResolution ?? 128;
  const renderer: FaceRenderer = createFaceRenderer(model, { features: options.features });
  const uv: UvRasteriser = createUvRasteriser(model, uvResolution);

  function generate(datasetSeed: number, index: number): Sample {
    const seed = sampleSeed(datasetSeed, index);
    const face = sampleSyntheticFace(model, seed, { ...options.face, imageSize });
    const rendered = renderer.render(face.params);
    const positionMap = uv.positionMap(rendered.vertices);
    let meanZ = 0;
    for (let k = 0; k < uv.pixels.length; k++) meanZ += positionMap[uv.pixels[k] * 3 + 2];
    meanZ /= uv.pixels.length;
    for (let k = 0; k < uv.pixels.length; k++) positionMap[uv.pixels[k] * 3 + 2] -= meanZ;
    const landmarks68 = Float32Array.from(rendered.landmarks68);
    for (let i = 0; i < 68; i++) landmarks68[i * 3 + 2] -= meanZ;
    return {
      index,
      seed,
      image: { width: imageSize, height: imageSize, channels: 3, data: rendered.image.data },
      positionMap,
      landmarks68,
      pose: face.pose,
      expression: face.expression,
    };
  }

  return { imageSize, uvResolution, mask: uv.mask, generate };
}

import * as tf from '@tensorflow/tfjs-core';
import { boxOfPoints, OUTPUT_SCALE, type PrnetNetwork, type UvLayout } from '@prnet/core';
import { createPrnet } from '@prnet/core/node';
import { makeTrainingBatch } from '../data/augment.js';
import type { DatasetReader } from '../data/dataset-reader.js';
import type { Aflw2000Dataset } from '../eval/aflw2000.js';
import { evaluateModel } from '../eval/evaluate.js';
import { nme68, YAW_BINS } from '../eval/metrics.js';

/** Validation on a synthetic held-out split (network in inference mode, no augmentation). */
export interface SyntheticValidation {
  split: 'synthetic';
  /** Samples evaluated. */
  count: number;
  /**
   * Mean 3D position-map error over the UV-mask pixels, in pixels of a 128² crop
   * (‖pred − target‖ in sigmoid units × 128 × OUTPUT_SCALE).
   */
  positionPx128: number;
  /** Mean 68-landmark NME 2D (percent of sqrt(w·h) of the ground-truth landmark box). */
  nme2d: number;
  /** Mean 68-landmark NME 3D (mean z offset removed), percent. */
  nme3d: number;
}

/** Validation on AFLW2000-3D (GT-box protocol, `evaluateModel`). */
export interface Aflw2000Validation {
  split: 'aflw2000';
  count: number;
  /** Mean NME 2D (percent) of the |yaw| bins [0,30], (30,60], >60 (NaN for an empty bin). */
  bins: Record<string, number>;
  /** Mean of the bin means (the benchmark's headline number). */
  nme2d: number;
  nme3d: number;
}

/** Options of {@link validateSynthetic}. */
export interface SyntheticValidationOptions {
  /** Samples to evaluate (the first ones of the dataset). Default 64. */
  limit?: number;
  /** Network batch size. Default 16. */
  batchSize?: number;
}

/**
 * Evaluates `network` on the first `limit` samples of a synthetic dataset: PRNet's exact crop
 * (`makeTrainingBatch` without augmentation), `model.predict` (BatchNorm in inference mode), then
 * the position-map error and the landmark NME at `layout.landmarkPixels`.
 */
export async function validateSynthetic(
  network: PrnetNetwork,
  reader: Pick<DatasetReader, 'count' | 'get'>,
  layout: UvLayout,
  options: SyntheticValidationOptions = {},
): Promise<SyntheticValidation> {
  const limit = Math.min(reader.count, Math.max(1, Math.floor(options.limit ?? 64)));
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
  const S = network.metadata.inputSize;
  const R = network.metadata.uvResolution;
  const R2 = R * R;
  const toPx128 = 128 * OUTPUT_SCALE;
  const toCrop = S * OUTPUT_SCALE;
  let pixelError = 0;
  let pixelCount = 0;
  let nme2d = 0;
  let nme3d = 0;
  for (let start = 0; start < limit; start += batchSize) {
    const samples = Array.from({ length: Math.min(batchSize, limit - start) }, (_, k) => reader.get(start + k));
    const batch = makeTrainingBatch(samples, { inputSize: S, augment: false });
    let pred: Float32Array;
    let target: Float32Array;
    try {
      const output = tf.tidy(() => network.model.predict(batch.images) as tf.Tensor4D);
      try {
        pred = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
      target = (await batch.targets.data()) as Float32Array;
    } finally {
      batch.images.dispose();
      batch.targets.dispose();
    }
    for (let n = 0; n < samples.length; n++) {
      const base = n * R2 * 3;
      for (const p of layout.vertexPixels) {
        const o = base + p * 3;
        pixelError += Math.hypot(pred[o] - target[o], pred[o + 1] - target[o + 1], pred[o + 2] - target[o + 2]);
        pixelCount++;
      }
      const lp = new Float32Array(204);
      const lt = new Float32Array(204);
      layout.landmarkPixels.forEach((p, k) => {
        for (let c = 0; c < 3; c++) {
          lp[k * 3 + c] = pred[base + p * 3 + c] * toCrop;
          lt[k * 3 + c] = target[base + p * 3 + c] * toCrop;
        }
      });
      const nme = nme68(lp, lt, boxOfPoints(lt));
      nme2d += nme.nme2d;
      nme3d += nme.nme3d;
    }
  }
  return {
    split: 'synthetic',
    count: limit,
    positionPx128: (pixelError / Math.max(1, pixelCount)) * toPx128,
    nme2d: nme2d / limit,
    nme3d: nme3d / limit,
  };
}

/**
 * Evaluates `network` on an AFLW2000-3D folder (or loaded dataset) with the GT-box protocol
 * (`evaluateModel` through core's `createPrnet`, no detector, one network pass per face so that
 * validation tracks the network alone and stays comparable across runs); `limit` first samples
 * (default all).
 */
export async function validateAflw2000(
  network: PrnetNetwork,
  data: string | Aflw2000Dataset,
  layout: UvLayout,
  limit?: number,
): Promise<Aflw2000Validation> {
  const prnet = await createPrnet({ model: network, layout, detector: false, refine: false, disposeModel: false });
  try {
    const result = await evaluateModel({ prnet, data, limit });
    const { summary } = result;
    return {
      split: 'aflw2000',
      count: summary.count,
      bins: Object.fromEntries(YAW_BINS.map((bin) => [bin, summary.bins[bin].nme2d])),
      nme2d: summary.mean.nme2d,
      nme3d: summary.mean.nme3d,
    };
  } finally {
    prnet.dispose();
  }
}

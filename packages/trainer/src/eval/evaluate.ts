/**
 * Evaluates a PRNet reconstructor on an AFLW2000-3D folder with the 3DDFA / PRNet protocol.
 *
 * - GT-box protocol (default): each face is cropped from the tight box of its 68 ground-truth
 *   points (`boxOfPoints`), the crop `createPrnet` builds from a landmark box.
 * - No-box protocol (`useBox: false`): the reconstructor's face detector finds the face; an image
 *   where it finds none (`NoFaceError`) counts as undetected and has no NME.
 *
 * Images are decoded with core's `decodeImage` before the clock starts; the time of a face is
 * measured around `reconstruct` (crop, network, decoding of the map, landmarks, pose; plus
 * detection in the no-box protocol).
 */
import { boxOfPoints, type Box, type HeadPose, type PrnetImageInput, type ReconstructOptions } from '@prnet/core';
import { decodeImage } from '@prnet/core/node';
import { loadAflw2000, type Aflw2000Dataset } from './aflw2000.js';
import { nmeBreakdown } from './error-breakdown.js';
import { nme68, summarise, yawBin, type Angles, type EvalSummary, type SampleOutcome } from './metrics.js';

/**
 * What the evaluation needs of a reconstructor: `reconstruct` of core's `Prnet` (which satisfies
 * this interface). Tests hand in fakes.
 */
export interface EvaluationTarget {
  reconstruct(
    image: PrnetImageInput,
    options?: ReconstructOptions,
  ): Promise<{
    readonly landmarks68: Float32Array;
    readonly box: Box;
    readonly pose: Pick<HeadPose, 'pitch' | 'yaw' | 'roll'>;
  }>;
}

export interface EvaluateOptions {
  /** The reconstructor, e.g. `await createPrnet({ model })` from `@prnet/core/node`. Not disposed here. */
  prnet: EvaluationTarget;
  /** A loaded dataset, or the path of an AFLW2000-3D folder. */
  data: Aflw2000Dataset | string;
  /** Crop from the ground-truth 68-landmark box (true) or detect the face (false). Default true. */
  useBox?: boolean;
  /**
   * Crop from these 68-landmark-equivalent boxes, by image path as in the annotations (e.g. another
   * detector's boxes mapped to landmark boxes); overrides `useBox`. Images without a box count as
   * undetected.
   */
  boxes?: Readonly<Record<string, Box>>;
  /** Evaluate only the first `limit` samples (in annotation order). Default: all. */
  limit?: number;
  /** Called after each sample with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** One evaluated sample. */
export interface SampleResult extends SampleOutcome {
  /** Index in the dataset's samples. */
  index: number;
  /** The image path as written in the annotations. */
  image: string;
  /** |yaw| (degrees) of the ground truth, the bin's key. */
  yawDegrees: number;
  /** The normalising box: tight box of the ground-truth 68 points (x, y). */
  gtBox: Box;
  /** The box the reconstructor cropped from (the GT box, or the detector's), when detected. */
  box?: Box;
  /** [68*3] predicted landmarks (image pixels), when detected. */
  landmarks68?: Float32Array;
}

export interface EvaluationResult {
  /** Which protocol ran: 'gt-box', 'detector' or 'given-boxes'. */
  protocol: 'gt-box' | 'detector' | 'given-boxes';
  samples: SampleResult[];
  summary: EvalSummary;
}

/** Runs the evaluation (see the module comment); samples run one at a time, in order. */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationResult> {
  const { prnet } = options;
  const useBox = options.useBox ?? true;
  const dataset = typeof options.data === 'string' ? loadAflw2000(options.data) : options.data;
  const limit = options.limit ?? dataset.samples.length;
  const chosen = dataset.samples.slice(0, Math.max(0, Math.floor(limit)));
  const results: SampleResult[] = [];
  for (let index = 0; index < chosen.length; index++) {
    const sample = chosen[index];
    const gtBox = boxOfPoints(sample.landmarks68, 3);
    const base = {
      index,
      image: sample.image,
      yawDegrees: sample.yawBinDegrees,
      yawBin: yawBin(sample.yawBinDegrees),
      gtAngles: sample.pitchYawRollDegrees,
      gtBox,
    };
    const given = options.boxes ? options.boxes[sample.image] : undefined;
    if (options.boxes && !given) {
      results.push({ ...base, detected: false });
      options.onProgress?.(index + 1, chosen.length);
      continue;
    }
    const image = decodeImage(sample.imagePath);
    const started = performance.now();
    let face: Awaited<ReturnType<EvaluationTarget['reconstruct']>>;
    try {
      face = await prnet.reconstruct(image, given ? { box: given } : useBox ? { box: gtBox } : {});
    } catch (error) {
      // By code, not instanceof: each entry of core's build (index, node) has its own error classes.
      if (!useBox && (error as { code?: unknown } | null)?.code === 'NO_FACE') {
        results.push({ ...base, detected: false });
        options.onProgress?.(index + 1, chosen.length);
        continue;
      }
      throw error;
    }
    const ms = performance.now() - started;
    const { nme2d, nme3d } = nme68(face.landmarks68, sample.landmarks68, gtBox);
    results.push({
      ...base,
      detected: true,
      nme2d,
      nme3d,
      predAngles: [face.pose.pitch, face.pose.yaw, face.pose.roll] as Angles,
      ms,
      breakdown: nmeBreakdown(face.landmarks68, sample.landmarks68, gtBox),
      box: face.box,
      landmarks68: face.landmarks68,
    });
    options.onProgress?.(index + 1, chosen.length);
  }
  const protocol = options.boxes ? 'given-boxes' : useBox ? 'gt-box' : 'detector';
  return { protocol, samples: results, summary: summarise(results) };
}

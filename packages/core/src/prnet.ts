import * as tf from '@tensorflow/tfjs-core';
import { DisposedError, InvalidArgumentError, InvalidLayoutError, NoFaceError } from './errors.js';
import { cropFromBox, cropToImagePoints, validateBox, type Box, type CropTransform } from './geometry/crop.js';
import { denseVertices, landmarks68 } from './geometry/extract.js';
import { createProfileLandmarks, yawAwareLandmarks68, type ProfileLandmarks } from './geometry/profile-landmarks.js';
import { IMPLAUSIBLE_POSE_RESIDUAL_CM, estimatePose, poseResidualCm, type HeadPose } from './geometry/pose.js';
import { REFINE_MIN_TURN_DEGREES, uprightRotation } from './geometry/upright.js';
import { imageSize, imageToTensor, type PrnetImageInput } from './image/to-tensor.js';
import { cropToTensor } from './image/crop-tensor.js';
import type { FaceDetector } from './detector/types.js';
import { faceBoxFromDetection, type DetectorBoxCalibration } from './detector/face-box.js';
import { loadPrnetNetwork } from './model/load.js';
import type { PrnetNetwork } from './model/network.js';
import type { PrnetModelMetadata } from './model/metadata.js';
import { loadUvLayout } from './uv/layout-codec.js';
import { uvMirrorMap } from './uv/mirror.js';
import type { UvLayout } from './uv/layout.js';
import type { FaceReconstruction } from './reconstruction.js';

/** A model source: a loaded network, a URL / path string, or a tfjs IOHandler. */
export type PrnetModelSource = PrnetNetwork | string | URL | tf.io.IOHandler;
/** A UV layout source: a decoded layout, a URL string, or the asset's bytes. */
export type UvLayoutSource = UvLayout | string | URL | ArrayBuffer | Uint8Array;

/** Load-time configuration of `createPrnet`. */
export interface PrnetConfig {
  /** The network, or where to load it from (URL string, `URL`, tfjs `io.IOHandler`). Required. */
  model: PrnetModelSource;
  /**
   * The UV layout whose resolution matches the model's `uvResolution`, or where to load it from.
   * Required (the Node entry `@prnet/core/node` fills in the shipped asset).
   */
  layout: UvLayoutSource;
  /**
   * Face detector used when `reconstruct` gets no box. A detector, or a function that loads one on
   * first use. Default: none — calls without a box then throw `NoFaceError`.
   */
  detector?: FaceDetector | (() => Promise<FaceDetector>);
  /** How detector boxes map to 68-landmark boxes. Default: the calibration shipped with the detector. */
  detectorCalibration?: DetectorBoxCalibration;
  /** Crop side as a multiple of the face box's mean side. Default: the model's metadata (1.6). */
  cropScale?: number;
  /** Largest number of faces sent through the network at once. Default 8. */
  maxBatchSize?: number;
  /**
   * Which 68-point definition `landmarks68` uses: 'model' (default) — the model's own calibrated
   * landmark pixels when its metadata has them (`prnet-train calibrate-landmarks`, the AFLW2000-3D
   * convention; with its profile set, when present, blended in as the head turns: see
   * `ProfileLandmarks`), else the layout's; 'layout' — always the UV layout's (the ICT Face
   * Model's 68 vertices, as in the synthetic renders).
   */
  landmarks?: 'model' | 'layout';
  /**
   * Test-time flip: also run each crop mirrored left–right and average the two position maps
   * (the mirrored one read through the UV layout's left–right correspondence, `uvMirrorMap`). About
   * twice the network time; on the AFLW2000-3D dev split it lowers the default model's NME
   * (MODEL_CARD.md). Default false.
   */
  flipTest?: boolean;
  /**
   * Two-pass reconstruction: the first pass's head pose turns the crop so the head is upright
   * (same centre and size), the network runs again on that crop, and the two position maps are
   * averaged in the image frame. Helps rolled faces most (combines with `flipTest`).
   * `{ minTurnDegrees }` (the default, `{ minTurnDegrees: REFINE_MIN_TURN_DEGREES }` = 10°): the
   * second pass runs only for faces whose upright turn is at least that large, so an upright face
   * costs one network run and a tilted one two; `true`: every face (twice the network time);
   * `false`: one pass. On the AFLW2000-3D dev split the default gives the shipped model the gain
   * of `true` at under half its extra network time (MODEL_CARD.md).
   */
  refine?: boolean | { minTurnDegrees?: number };
  /**
   * Roll recovery: when a face's first reading is implausible — the pose fit's RMS residual above
   * `maxResidualCm` centimetres of the model's mean face, as for upside-down or lying faces, which a
   * network trained on rolls within ±45° cannot read — the crop is also run turned by 90°, 180° and
   * 270°, and the turned reading with the least residual replaces the first if its residual is at
   * most half the first's (before `refine`'s second pass). Costs three more network runs for such
   * faces only. Default `{ maxResidualCm: IMPLAUSIBLE_POSE_RESIDUAL_CM }` (1.3; MODEL_CARD.md);
   * `false`: off.
   */
  rollRecovery?: false | { maxResidualCm?: number };
  /**
   * Whether `dispose()` also disposes the network. Default: true when `createPrnet` loaded it,
   * false when a loaded `PrnetNetwork` was handed in (the caller keeps ownership).
   */
  disposeModel?: boolean;
  /** Resolve string model sources to an IOHandler (the Node entry reads files). Default: tfjs's loaders. */
  resolveModelHandler?: (source: string | URL) => tf.io.IOHandler | undefined;
}

/** Per-call options of `reconstruct`. */
export interface ReconstructOptions {
  /**
   * The tight box [x0, y0, x1, y1] of the face's 68 landmarks in image pixels. When absent the
   * detector's most confident face is used (its box mapped to an equivalent landmark box).
   */
  box?: Box;
}

/** One item of `reconstructBatch`. */
export interface BatchItem {
  image: PrnetImageInput;
  box?: Box;
}

/** A PRNet face reconstructor. Holds the network's tensors: call `dispose()` when done. */
export interface Prnet {
  readonly metadata: PrnetModelMetadata;
  /** The UV layout, its `landmarkPixels` the ones `landmarks68` reads (see `PrnetConfig.landmarks`). */
  readonly layout: UvLayout;
  /** The yaw-dependent landmark set `landmarks68` blends in, when the model has one and `landmarks` is 'model'. */
  readonly profileLandmarks?: ProfileLandmarks;
  /** Reconstructs one face: the given box's, or the detector's most confident one. */
  reconstruct(image: PrnetImageInput, options?: ReconstructOptions): Promise<FaceReconstruction>;
  /**
   * Reconstructs every given box of one image (or every detected face when `boxes` is absent),
   * in network batches of up to `maxBatchSize`.
   */
  reconstructFaces(image: PrnetImageInput, boxes?: readonly Box[]): Promise<FaceReconstruction[]>;
  /**
   * Reconstructs one face per item (many images), batching the network. A failing item gives an
   * `Error` in its slot and never stops the others.
   */
  reconstructBatch(items: readonly BatchItem[]): Promise<(FaceReconstruction | Error)[]>;
  /** Releases the network and detector. Safe to call twice. */
  dispose(): void;
}

interface PendingFace {
  box: Box;
  crop: CropTransform;
  detectionScore?: number;
}

async function resolveLayout(source: UvLayoutSource): Promise<UvLayout> {
  if (typeof source === 'object' && source !== null && 'vertexPixels' in source) return source as UvLayout;
  return loadUvLayout(source as string | URL | ArrayBuffer | Uint8Array);
}

function isNetwork(source: PrnetModelSource): source is PrnetNetwork {
  return typeof source === 'object' && source !== null && 'predictPositionMaps' in source;
}

/** Creates a PRNet reconstructor: loads the model and layout, checks that they match. */
export async function createPrnet(config: PrnetConfig): Promise<Prnet> {
  if (!config || config.model === undefined) throw new InvalidArgumentError('createPrnet: config.model is required');
  if (config.layout === undefined) throw new InvalidArgumentError('createPrnet: config.layout is required');
  const network = isNetwork(config.model)
    ? config.model
    : await loadPrnetNetwork(config.model, { resolveHandler: config.resolveModelHandler });
  let layout: UvLayout;
  try {
    layout = await resolveLayout(config.layout);
  } catch (error) {
    if (config.disposeModel ?? !isNetwork(config.model)) network.dispose();
    throw error;
  }
  const ownsNetwork = config.disposeModel ?? !isNetwork(config.model);
  const ownsDetector = typeof config.detector === 'function';
  const { metadata } = network;
  if (layout.resolution !== metadata.uvResolution) {
    if (ownsNetwork) network.dispose();
    throw new InvalidLayoutError(
      `UV layout resolution ${layout.resolution} does not match the model's uvResolution ${metadata.uvResolution}`,
    );
  }
  if ((config.landmarks ?? 'model') === 'model' && metadata.landmarkPixels) {
    const pixels = Uint32Array.from(metadata.landmarkPixels);
    const outside = pixels.findIndex((p) => !layout.mask[p]);
    if (outside >= 0) {
      if (ownsNetwork) network.dispose();
      throw new InvalidLayoutError(`the model's landmark ${outside} (pixel ${pixels[outside]}) lies outside the UV layout's mask`);
    }
    layout = { ...layout, landmarkPixels: pixels };
  }
  let profile: ProfileLandmarks | undefined;
  if ((config.landmarks ?? 'model') === 'model' && metadata.landmarkPixels && metadata.profileLandmarks) {
    try {
      profile = createProfileLandmarks(metadata.profileLandmarks.pixels, layout, metadata.profileLandmarks.blendYawDegrees);
    } catch (error) {
      if (ownsNetwork) network.dispose();
      throw error;
    }
  }
  const cropScale = config.cropScale ?? metadata.cropScale;
  const flipTest = config.flipTest ?? false;
  // The second pass runs for faces whose upright turn is at least this (radians); Infinity = never.
  const refineMinTurn =
    config.refine === false
      ? Infinity
      : config.refine === true
        ? 0
        : ((config.refine?.minTurnDegrees ?? REFINE_MIN_TURN_DEGREES) * Math.PI) / 180;
  if (!(refineMinTurn >= 0)) {
    if (ownsNetwork) network.dispose();
    throw new InvalidArgumentError(
      `refine.minTurnDegrees must be a non-negative number, got ${String((config.refine as { minTurnDegrees?: number }).minTurnDegrees)}`,
    );
  }
  const maxResidualCm = config.rollRecovery === false ? Infinity : (config.rollRecovery?.maxResidualCm ?? IMPLAUSIBLE_POSE_RESIDUAL_CM);
  if (!(maxResidualCm > 0)) {
    if (ownsNetwork) network.dispose();
    throw new InvalidArgumentError(`rollRecovery.maxResidualCm must be positive, got ${maxResidualCm}`);
  }
  const poseOfMap = (map: Float32Array) => estimatePose(denseVertices(map, layout), layout);
  let mirrorMap: Int32Array | undefined;
  const maxBatchSize = Math.max(1, Math.floor(config.maxBatchSize ?? 8));
  let detector: FaceDetector | undefined = typeof config.detector === 'function' ? undefined : config.detector;
  let detectorLoading: Promise<FaceDetector> | undefined;
  let disposed = false;

  const checkAlive = () => {
    if (disposed) throw new DisposedError('Prnet');
  };

  async function getDetector(): Promise<FaceDetector> {
    if (detector) return detector;
    if (typeof config.detector !== 'function') {
      throw new NoFaceError('no face box was given and no face detector is configured');
    }
    detectorLoading ??= config.detector();
    detector = await detectorLoading;
    return detector;
  }

  /** Boxes → crops; detector when no boxes. `all` = every detected face, else the best one. */
  async function planFaces(image: tf.Tensor3D, boxes: readonly Box[] | undefined, all: boolean): Promise<PendingFace[]> {
    const [height, width] = image.shape;
    if (boxes) {
      return boxes.map((box) => {
        validateBox(box, width, height);
        return { box, crop: cropFromBox(box, metadata.inputSize, { cropScale }) };
      });
    }
    const faces = await (await getDetector()).detect(image);
    if (faces.length === 0) throw new NoFaceError('the face detector found no face in the image');
    const chosen = all ? faces : [faces.reduce((a, b) => (b.score > a.score ? b : a))];
    return chosen.map((face) => {
      const box = faceBoxFromDetection(face, config.detectorCalibration);
      return { box, crop: cropFromBox(box, metadata.inputSize, { cropScale }), detectionScore: face.score };
    });
  }

  /**
   * Runs the network on crops of (possibly different) images and decodes each face: once, plus the
   * three turned crops of roll recovery for implausible readings, plus `refine`'s upright pass.
   */
  async function runNetwork(jobs: { image: tf.Tensor3D; face: PendingFace }[]): Promise<FaceReconstruction[]> {
    const maps = await predictImageMaps(jobs.map((job) => ({ image: job.image, crop: job.face.crop })));
    // Each map's head pose, computed once and reused while the map stands.
    const poses: (HeadPose | undefined)[] = maps.map(() => undefined);
    const poseOf = (k: number) => (poses[k] ??= poseOfMap(maps[k]));
    if (Number.isFinite(maxResidualCm)) {
      const suspects = jobs.flatMap((_, k) => (poseResidualCm(poseOf(k)) > maxResidualCm ? [k] : []));
      if (suspects.length > 0) {
        const turns = [Math.PI / 2, Math.PI, -Math.PI / 2];
        const turned = await predictImageMaps(
          suspects.flatMap((k) => turns.map((t) => ({ image: jobs[k].image, crop: { ...jobs[k].face.crop, rotation: jobs[k].face.crop.rotation + t } }))),
        );
        suspects.forEach((k, i) => {
          // A turned reading replaces the first only when it fits at least twice as well: a badly
          // framed profile also fits poorly, and a turned crop of it fits only a little better.
          let best = -1;
          let bestResidual = poseResidualCm(poseOf(k)) / 2;
          let bestPose: HeadPose | undefined;
          for (let j = 0; j < turns.length; j++) {
            const pose = poseOfMap(turned[i * turns.length + j]);
            if (poseResidualCm(pose) < bestResidual) [best, bestResidual, bestPose] = [j, poseResidualCm(pose), pose];
          }
          if (best >= 0) {
            maps[k] = turned[i * turns.length + best];
            poses[k] = bestPose;
          }
        });
      }
    }
    if (Number.isFinite(refineMinTurn)) {
      const upright = jobs.flatMap((job, k) => {
        const rotation = uprightRotation(poseOf(k).modelRotation);
        // The turn from the face's crop (before roll recovery's turns: a recovered face is read again upright).
        const d = rotation - job.face.crop.rotation;
        const turn = Math.abs(Math.atan2(Math.sin(d), Math.cos(d)));
        return turn >= refineMinTurn ? [{ k, job: { image: job.image, crop: { ...job.face.crop, rotation } } }] : [];
      });
      if (upright.length > 0) {
        const second = await predictImageMaps(upright.map((u) => u.job));
        upright.forEach(({ k }, i) => {
          const map = maps[k];
          const other = second[i];
          for (let j = 0; j < map.length; j++) map[j] = 0.5 * (map[j] + other[j]);
          poses[k] = undefined; // the averaged map has its own pose
        });
      }
    }
    return maps.map((map, k) => decodeFace(map, jobs[k].face, poses[k]));
  }

  /** The network's position map of each crop, in image pixels, zero outside the UV mask. */
  async function predictImageMaps(jobs: readonly { image: tf.Tensor3D; crop: CropTransform }[]): Promise<Float32Array[]> {
    const maps: Float32Array[] = [];
    const R = metadata.uvResolution;
    const mapSize = R * R * 3;
    const { mask } = layout;
    for (let start = 0; start < jobs.length; start += maxBatchSize) {
      const chunk = jobs.slice(start, start + maxBatchSize);
      const output = tf.tidy(() => {
        const crops = chunk.map((job) => cropToTensor(job.image, [job.crop]));
        const batch = crops.length === 1 ? crops[0] : tf.concat(crops, 0);
        return network.predictPositionMaps(flipTest ? tf.concat([batch, tf.reverse(batch, 2)], 0) : batch);
      });
      let data: Float32Array;
      try {
        data = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
      chunk.forEach((job, k) => {
        const map = data.subarray(k * mapSize, (k + 1) * mapSize);
        if (flipTest) averageMirrored(map, data.subarray((chunk.length + k) * mapSize, (chunk.length + k + 1) * mapSize));
        const positionMap = cropToImagePoints(job.crop, map);
        for (let p = 0; p < mask.length; p++) {
          if (!mask[p]) {
            positionMap[p * 3] = 0;
            positionMap[p * 3 + 1] = 0;
            positionMap[p * 3 + 2] = 0;
          }
        }
        maps.push(positionMap);
      });
    }
    return maps;
  }

  /**
   * `map` ← ½ (map + the mirrored crop's map read at each pixel's mirror, x flipped back: x → S − x).
   * Crop-frame pixels; pixels without a mirror keep the plain prediction.
   */
  function averageMirrored(map: Float32Array, mirrored: Float32Array): void {
    mirrorMap ??= uvMirrorMap(layout);
    const S = metadata.inputSize;
    for (let p = 0; p < mirrorMap.length; p++) {
      const m = mirrorMap[p];
      if (m < 0) continue;
      map[p * 3] = 0.5 * (map[p * 3] + S - mirrored[m * 3]);
      map[p * 3 + 1] = 0.5 * (map[p * 3 + 1] + mirrored[m * 3 + 1]);
      map[p * 3 + 2] = 0.5 * (map[p * 3 + 2] + mirrored[m * 3 + 2]);
    }
  }

  /** A face from its image-frame position map (masked), and its pose when already known. */
  function decodeFace(positionMap: Float32Array, face: PendingFace, known?: HeadPose): FaceReconstruction {
    const vertices = denseVertices(positionMap, layout);
    const pose = known ?? estimatePose(vertices, layout);
    return {
      box: face.box,
      crop: face.crop,
      detectionScore: face.detectionScore,
      positionMap,
      resolution: layout.resolution,
      landmarks68: profile ? yawAwareLandmarks68(positionMap, layout, profile, pose.yaw) : landmarks68(positionMap, layout),
      vertices,
      pose,
    };
  }

  async function withImage<T>(input: PrnetImageInput, fn: (image: tf.Tensor3D) => Promise<T>): Promise<T> {
    const image = imageToTensor(input);
    try {
      return await fn(image);
    } finally {
      image.dispose();
    }
  }

  return {
    metadata,
    layout,
    profileLandmarks: profile,
    async reconstruct(input, options = {}) {
      checkAlive();
      return withImage(input, async (image) => {
        const faces = await planFaces(image, options.box ? [options.box] : undefined, false);
        const [result] = await runNetwork(faces.map((face) => ({ image, face })));
        return result;
      });
    },
    async reconstructFaces(input, boxes) {
      checkAlive();
      return withImage(input, async (image) => {
        const faces = await planFaces(image, boxes, true);
        return runNetwork(faces.map((face) => ({ image, face })));
      });
    },
    async reconstructBatch(items) {
      checkAlive();
      const out: (FaceReconstruction | Error)[] = new Array(items.length);
      for (let start = 0; start < items.length; start += maxBatchSize) {
        const group = items.slice(start, start + maxBatchSize);
        const images: (tf.Tensor3D | undefined)[] = [];
        try {
          const jobs: { image: tf.Tensor3D; face: PendingFace; slot: number }[] = [];
          for (let k = 0; k < group.length; k++) {
            try {
              const image = imageToTensor(group[k].image);
              images.push(image);
              const [face] = await planFaces(image, group[k].box ? [group[k].box!] : undefined, false);
              jobs.push({ image, face, slot: start + k });
            } catch (error) {
              out[start + k] = error instanceof Error ? error : new Error(String(error));
            }
          }
          const results = await runNetwork(jobs);
          jobs.forEach((job, k) => {
            out[job.slot] = results[k];
          });
        } finally {
          for (const image of images) image?.dispose();
        }
      }
      return out;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (ownsNetwork) network.dispose();
      if (ownsDetector) detector?.dispose();
    },
  };
}

export { imageSize };

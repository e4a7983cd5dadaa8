import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, InvalidBoxError, InvalidImageError, InvalidLayoutError, NoFaceError } from './errors.js';
import { sigmoidFromPosition } from './conventions.js';
import { boxOfPoints, cropFromBox, imageToCropPoints, type Box } from './geometry/crop.js';
import { landmarks68 } from './geometry/extract.js';
import { rotationDistanceDegrees, rotationFromAngles } from './geometry/euler-angles.js';
import { createPrnetNetwork, type PrnetNetwork } from './model/network.js';
import { createProfileLandmarks, profileBlendWeight } from './geometry/profile-landmarks.js';
import { createPrnet } from './prnet.js';
import { uvMirrorMap } from './uv/mirror.js';
import { useTestBackend } from './testing/backend.js';
import { coordinateImage, posedPositionMap, syntheticLayout } from './testing/index.js';
import type { UvLayout } from './uv/layout.js';

const R = 48;
/** Crop scale for these tests: the synthetic face's forehead reaches far above its landmarks. */
const CROP = 1.6;
const layout: UvLayout = syntheticLayout({ resolution: R });

/** A small prnet-light whose output ignores the image and equals `target` (sigmoid units). */
function networkOutputting(target: Float32Array): PrnetNetwork {
  const network = createPrnetNetwork('prnet-light', {
    inputSize: R,
    light: { widths: [8, 16, 32], encoderBlocks: [0, 1, 1], decoderBlocks: [1, 1] },
  });
  tf.tidy(() => {
    const residual = network.model.getLayer('position_map_residual');
    residual.setWeights(residual.getWeights().map((w) => tf.zerosLike(w)));
    const template = network.model.getLayer('uv_template');
    const logits = tf.tensor1d(Array.from(target, (p) => Math.log(p / (1 - p))));
    template.setWeights([tf.zerosLike(template.getWeights()[0]), logits]);
  });
  return network;
}

/** The sigmoid-unit network target that reproduces image-frame position map `pm` for `box`. */
function targetFor(pm: Float32Array, box: Box): Float32Array {
  const crop = cropFromBox(box, R, { cropScale: CROP });
  const inCrop = imageToCropPoints(crop, pm);
  const out = new Float32Array(inCrop.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = layout.mask[Math.floor(i / 3)] ? sigmoidFromPosition(inCrop[i], R) : 0.5;
  }
  return out;
}

describe('createPrnet (synthetic layout, controlled network)', () => {
  const image = coordinateImage(240, 200);
  // A face turned by a known rotation, placed in the image.
  const rotation = rotationFromAngles(12, -35, 8);
  const posed = posedPositionMap(layout, { rotation, scale: 6, translation: [120, 96, 0] });
  const box = boxOfPoints(landmarks68(posed, layout));
  let network: PrnetNetwork;

  beforeAll(async () => {
    await useTestBackend();
    network = networkOutputting(targetFor(posed, box));
  });
  afterAll(() => network.dispose());

  it('maps the network output back to the image frame and recovers the pose', async () => {
    const prnet = await createPrnet({ model: network, layout, cropScale: CROP });
    const face = await prnet.reconstruct(image, { box });
    expect(face.box).toEqual(box);
    expect(face.resolution).toBe(R);
    // positions match the posed face within float/sigmoid precision (wasm sigmoid ≈ 1e-4)
    let worst = 0;
    for (let p = 0; p < R * R; p++) {
      if (!layout.mask[p]) {
        expect([face.positionMap[p * 3], face.positionMap[p * 3 + 1], face.positionMap[p * 3 + 2]]).toEqual([0, 0, 0]);
        continue;
      }
      for (let c = 0; c < 2; c++) worst = Math.max(worst, Math.abs(face.positionMap[p * 3 + c] - posed[p * 3 + c]));
    }
    expect(worst).toBeLessThan(0.05);
    expect(Array.from(face.landmarks68)).toEqual(Array.from(landmarks68(face.positionMap, layout)));
    expect(face.vertices.length).toBe(layout.vertexPixels.length * 3);
    // modelRotation is the fitted head rotation; `rotation`/angles add the ICT→AFLW reference pitch.
    expect(rotationDistanceDegrees(face.pose.modelRotation, rotation)).toBeLessThan(0.5);
    expect(rotationDistanceDegrees(face.pose.rotation, rotationFromAngles(face.pose.pitch, face.pose.yaw, face.pose.roll))).toBeLessThan(1e-3);
    prnet.dispose();
  });

  it('reconstructs batches and many boxes, and a failing item never stops the others', async () => {
    const prnet = await createPrnet({ model: network, layout, maxBatchSize: 2, cropScale: CROP });
    const results = await prnet.reconstructBatch([
      { image, box },
      { image, box: [10, 10, 10, 40] },
      { image: { width: 4, height: 4, channels: 3, data: new Uint8Array(5) }, box },
      { image, box },
      { image },
    ]);
    expect(results[0]).not.toBeInstanceOf(Error);
    expect(results[1]).toBeInstanceOf(InvalidBoxError);
    expect(results[2]).toBeInstanceOf(InvalidImageError);
    expect(results[3]).not.toBeInstanceOf(Error);
    expect(results[4]).toBeInstanceOf(NoFaceError);
    const faces = await prnet.reconstructFaces(image, [box, box, box]);
    expect(faces).toHaveLength(3);
    expect(faces[2].landmarks68).toEqual((results[0] as { landmarks68: Float32Array }).landmarks68);
    prnet.dispose();
  });

  it('rejects bad boxes, missing detectors, mismatched layouts and use after dispose', async () => {
    const prnet = await createPrnet({ model: network, layout, cropScale: CROP });
    await expect(prnet.reconstruct(image, { box: [50, 50, 50, 90] })).rejects.toBeInstanceOf(InvalidBoxError);
    await expect(prnet.reconstruct(image, { box: [300, 300, 400, 400] })).rejects.toBeInstanceOf(InvalidBoxError);
    await expect(prnet.reconstruct(image, { box: [Number.NaN, 0, 10, 10] })).rejects.toBeInstanceOf(InvalidBoxError);
    await expect(prnet.reconstruct(image)).rejects.toBeInstanceOf(NoFaceError);
    prnet.dispose();
    prnet.dispose();
    await expect(prnet.reconstruct(image, { box })).rejects.toBeInstanceOf(DisposedError);
    await expect(createPrnet({ model: network, layout: syntheticLayout({ resolution: 32 }) })).rejects.toBeInstanceOf(
      InvalidLayoutError,
    );
  });

  it('uses the detector when no box is given, and keeps tensors flat over 100 calls', async () => {
    let detectCalls = 0;
    const prnet = await createPrnet({
      model: network,
      layout,
      cropScale: CROP,
      detector: async () => ({
        async detect() {
          detectCalls++;
          return [
            { box: [0, 0, 20, 20] as Box, score: 0.6, keypoints: [] },
            { box, score: 0.9, keypoints: [] },
          ];
        },
        dispose() {},
      }),
      // identity calibration: detector boxes are already landmark boxes here
      detectorCalibration: { centreX: 0, centreY: 0, scaleX: 1, scaleY: 1 },
    });
    const first = await prnet.reconstruct(image);
    expect(first.detectionScore).toBe(0.9);
    expect(first.box).toEqual(box);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await prnet.reconstruct(image, i % 2 ? { box } : undefined);
    expect(tf.memory().numTensors).toBe(before);
    expect(detectCalls).toBe(51);
    prnet.dispose();
  });

  it("reads landmarks68 at the model's own landmark pixels unless asked for the layout's", async () => {
    // Move every landmark to another face pixel: landmarks68 must follow the model's definition.
    const faceCells = Array.from(layout.vertexPixels).filter((p) => !layout.landmarkPixels.includes(p));
    const own = faceCells.slice(0, 68);
    const calibrated: PrnetNetwork = { ...network, metadata: { ...network.metadata, landmarkPixels: own } };
    const byModel = await createPrnet({ model: calibrated, layout, cropScale: CROP });
    const byLayout = await createPrnet({ model: calibrated, layout, cropScale: CROP, landmarks: 'layout' });
    try {
      expect(Array.from(byModel.layout.landmarkPixels)).toEqual(own);
      expect(Array.from(byLayout.layout.landmarkPixels)).toEqual(Array.from(layout.landmarkPixels));
      const a = await byModel.reconstruct(image, { box });
      const b = await byLayout.reconstruct(image, { box });
      for (let k = 0; k < 68; k++) {
        for (let c = 0; c < 3; c++) {
          expect(a.landmarks68[k * 3 + c]).toBeCloseTo(a.positionMap[own[k] * 3 + c], 4);
          expect(b.landmarks68[k * 3 + c]).toBeCloseTo(b.positionMap[layout.landmarkPixels[k] * 3 + c], 4);
        }
      }
    } finally {
      byModel.dispose();
      byLayout.dispose();
    }
    const outside = Array.from({ length: R * R }, (_, p) => p).find((p) => !layout.mask[p])!;
    const bad: PrnetNetwork = { ...network, metadata: { ...network.metadata, landmarkPixels: [outside, ...own.slice(1)] } };
    await expect(createPrnet({ model: bad, layout, cropScale: CROP, disposeModel: false })).rejects.toBeInstanceOf(InvalidLayoutError);
  });

  it("blends in the model's profile landmarks by the face's own yaw (here −35°)", async () => {
    const mirror = uvMirrorMap(layout);
    const cells = Array.from(layout.vertexPixels).filter((p) => mirror[p] >= 0);
    const own = cells.slice(0, 68);
    const profilePixels = cells.slice(100, 168);
    const withProfile = (blendYawDegrees: [number, number]): PrnetNetwork => ({
      ...network,
      metadata: { ...network.metadata, landmarkPixels: own, profileLandmarks: { pixels: profilePixels, blendYawDegrees } },
    });
    const read = async (blend: [number, number], landmarks?: 'layout') => {
      const prnet = await createPrnet({ model: withProfile(blend), layout, cropScale: CROP, landmarks });
      try {
        const face = await prnet.reconstruct(image, { box });
        expect(face.pose.yaw).toBeCloseTo(-35, 0);
        return { face, profile: prnet.profileLandmarks };
      } finally {
        prnet.dispose();
      }
    };
    const at = (face: { positionMap: Float32Array }, pixels: ArrayLike<number>, k: number, c: number) => face.positionMap[pixels[k] * 3 + c];
    const frontal = await read([40, 60]); // |yaw| below the range: the frontal pixels
    const turned = await read([20, 30]); // above: the mirrored profile pixels (yaw < 0)
    const half = await read([30, 40]); // −35° is halfway
    const layoutOnly = await read([20, 30], 'layout'); // the layout's points, no profile set
    expect(turned.profile?.mirroredPixels).toEqual(createProfileLandmarks(profilePixels, { ...layout, landmarkPixels: Uint32Array.from(own) }, [20, 30]).mirroredPixels);
    expect(layoutOnly.profile).toBeUndefined();
    const w = profileBlendWeight(half.face.pose.yaw, [30, 40]);
    expect(w).toBeGreaterThan(0.4);
    expect(w).toBeLessThan(0.6);
    for (let k = 0; k < 68; k++) {
      for (let c = 0; c < 3; c++) {
        expect(frontal.face.landmarks68[k * 3 + c]).toBeCloseTo(at(frontal.face, own, k, c), 4);
        expect(turned.face.landmarks68[k * 3 + c]).toBeCloseTo(at(turned.face, turned.profile!.mirroredPixels, k, c), 4);
        const blended = (1 - w) * at(half.face, own, k, c) + w * at(half.face, half.profile!.mirroredPixels, k, c);
        expect(half.face.landmarks68[k * 3 + c]).toBeCloseTo(blended, 3);
        expect(layoutOnly.face.landmarks68[k * 3 + c]).toBeCloseTo(at(layoutOnly.face, layout.landmarkPixels, k, c), 4);
      }
    }
    const bad: PrnetNetwork = {
      ...network,
      metadata: { ...network.metadata, landmarkPixels: own, profileLandmarks: { pixels: [layout.mask.indexOf(0), ...profilePixels.slice(1)], blendYawDegrees: [30, 50] } },
    };
    await expect(createPrnet({ model: bad, layout, cropScale: CROP, disposeModel: false })).rejects.toBeInstanceOf(InvalidLayoutError);
  });

  it('never disposes a network it was handed', async () => {
    const prnet = await createPrnet({ model: network, layout, cropScale: CROP });
    prnet.dispose();
    const again = await createPrnet({ model: network, layout, cropScale: CROP });
    await expect(again.reconstruct(image, { box })).resolves.toBeDefined();
    again.dispose();
  });
});

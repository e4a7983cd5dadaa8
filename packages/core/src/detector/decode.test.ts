import { describe, expect, it } from 'vitest';
import { blazeFaceAnchors } from './anchors.js';
import { blendDetections, boxIou, decodeCandidates } from './decode.js';
import { InvalidArgumentError } from '../errors.js';
import { BLAZEFACE_BOX_CALIBRATION, DETECTOR_KEYPOINT_FEATURES, detectorKeypointFeatures, faceBoxFromDetection } from './face-box.js';

describe('blazeFaceAnchors', () => {
  it('lays out 16×16×2 anchors at stride 16, then 8×8×6 at stride 32, for a 256 input', () => {
    const a = blazeFaceAnchors(256);
    expect(a.length).toBe(896 * 2);
    expect([a[0], a[1], a[2], a[3]]).toEqual([8, 8, 8, 8]); // two anchors in cell (0, 0)
    expect([a[4], a[5]]).toEqual([24, 8]); // cell (1, 0)
    expect([a[2 * 511], a[2 * 511 + 1]]).toEqual([248, 248]); // last of the 16×16 layer
    expect([a[2 * 512], a[2 * 512 + 1]]).toEqual([16, 16]); // first of the 8×8 layer
    expect([a[2 * 895], a[2 * 895 + 1]]).toEqual([240, 240]);
    expect(blazeFaceAnchors(128)[2 * 512]).toBe(8);
  });
});

describe('decodeCandidates', () => {
  it('keeps anchors above the threshold and adds the anchor centre to box and keypoint offsets', () => {
    const anchors = new Float32Array([10, 20, 30, 40, 50, 60]);
    const logits = new Float32Array([2, -3, 0.1]); // sigmoid 0.881, 0.047, 0.525
    const regs = new Float32Array(3 * 16);
    regs.set([1, -2, 20, 10, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], 0);
    regs.set([0, 0, 8, 8], 32);
    const c = decodeCandidates(logits, regs, anchors, 0.5);
    expect(Array.from(c.anchorIndex)).toEqual([0, 2]);
    expect(c.scores[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(Array.from(c.boxes.subarray(0, 4))).toEqual([1, 13, 21, 23]); // centre (11, 18), 20×10
    expect(Array.from(c.boxes.subarray(4, 8))).toEqual([46, 56, 54, 64]);
    expect(Array.from(c.keypoints.subarray(0, 6))).toEqual([10, 20, 11, 21, 12, 22]);
  });

  it('returns no candidates when every score is below the threshold', () => {
    const c = decodeCandidates(new Float32Array([-5, -5]), new Float32Array(32), new Float32Array(4), 0.5);
    expect(c.scores.length).toBe(0);
  });
});

describe('boxIou and blendDetections', () => {
  it('computes IoU', () => {
    const boxes = new Float32Array([0, 0, 10, 10, 5, 0, 15, 10, 20, 20, 30, 30]);
    expect(boxIou(boxes, 0, boxes, 1)).toBeCloseTo(50 / 150, 6);
    expect(boxIou(boxes, 0, boxes, 2)).toBe(0);
    expect(boxIou(boxes, 0, boxes, 0)).toBeCloseTo(1, 6);
  });

  it('blends overlapping candidates weighted by score and leaves distant ones out', () => {
    const candidates = {
      anchorIndex: new Int32Array([0, 1, 2]),
      scores: new Float32Array([0.9, 0.3, 0.8]),
      boxes: new Float32Array([0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 60, 60]),
      keypoints: new Float32Array(36).fill(1).fill(4, 12, 24),
    };
    const [first, second] = blendDetections(candidates, [0, 2], 0.3);
    // candidate 1 (IoU 0.68 with 0) joins 0 with weight 0.3/1.2
    expect(first.score).toBeCloseTo(0.9, 6);
    expect(first.box[0]).toBeCloseTo(0.25, 6);
    expect(first.box[3]).toBeCloseTo(10.25, 6);
    expect(first.keypoints[0]).toBeCloseTo(1 * 0.75 + 4 * 0.25, 6);
    expect(Array.from(second.box)).toEqual([50, 50, 60, 60]);
    const [plain] = blendDetections(candidates, [0], 0.3, false);
    expect(Array.from(plain.box)).toEqual([0, 0, 10, 10]);
  });
});

describe('faceBoxFromDetection', () => {
  it('shifts and scales the detector box by fractions of its size', () => {
    const face = { box: [100, 200, 200, 400] as const };
    expect(faceBoxFromDetection(face, { centreX: 0, centreY: 0, scaleX: 1, scaleY: 1 })).toEqual([100, 200, 200, 400]);
    const box = faceBoxFromDetection(face, { centreX: 0.1, centreY: -0.05, scaleX: 0.8, scaleY: 0.5 });
    // centre (150 + 10, 300 − 10), size 80 × 100
    expect(box.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([120, 240, 200, 340]);
    // the default calibration moves the box down and shrinks it (BlazeFace boxes are loose)
    const [x0, y0, x1, y1] = faceBoxFromDetection(face);
    expect((y0 + y1) / 2).toBeGreaterThan(300);
    expect(x1 - x0).toBeLessThan(100);
  });
});

describe('keypoint terms of the detector box calibration', () => {
  // A 100 × 200 box centred at (150, 300); keypoints: eyes, nose, mouth, ears (image-left first).
  const face = {
    box: [100, 200, 200, 400] as const,
    keypoints: [
      [130, 260],
      [170, 260],
      [160, 300],
      [150, 340],
      [105, 270],
      [195, 270],
    ] as [number, number][],
  };
  const constant = { centreX: 0.1, centreY: -0.05, scaleX: 0.8, scaleY: 0.5 };
  const zeros = () => new Array(DETECTOR_KEYPOINT_FEATURES.length).fill(0) as number[];

  it('computes the features relative to the box centre, in box widths and heights', () => {
    const f = Array.from(detectorKeypointFeatures(face)!);
    // noseX, eyesX, mouthX, noseY, eyesY, mouthY, eyeDistance, earImageLeftX, earImageRightX
    const expected = [0.1, 0, 0, 0, -0.2, 0.2, 0.4, -0.45, 0.45];
    expect(f.length).toBe(DETECTOR_KEYPOINT_FEATURES.length);
    f.forEach((v, i) => expect(v, DETECTOR_KEYPOINT_FEATURES[i]).toBeCloseTo(expected[i], 12));
    expect(detectorKeypointFeatures({ box: face.box, keypoints: face.keypoints.slice(0, 4) })).toBeUndefined();
    expect(detectorKeypointFeatures({ box: [0, 0, 0, 10], keypoints: face.keypoints })).toBeUndefined();
  });

  it('applies the linear terms when the detection has keypoints, the constant terms otherwise', () => {
    // intercepts equal to the constant terms: the same box
    const intercepts = {
      ...constant,
      keypointTerms: {
        centreX: [0.1, ...zeros()],
        centreY: [-0.05, ...zeros()],
        logScaleX: [Math.log(0.8), ...zeros()],
        logScaleY: [Math.log(0.5), ...zeros()],
      },
    };
    const plain = faceBoxFromDetection(face, constant);
    faceBoxFromDetection(face, intercepts).forEach((v, i) => expect(v).toBeCloseTo(plain[i], 9));
    // centre shift 0.5 × noseX (= 0.1) = 0.05 box widths to the right; width scale exp(1 × eyeDistance)
    const nose = {
      ...intercepts,
      keypointTerms: {
        ...intercepts.keypointTerms,
        centreX: [0.1, 0.5, ...zeros().slice(1)],
        logScaleX: [Math.log(0.8), 0, 0, 0, 0, 0, 0, 1, 0, 0],
      },
    };
    const [x0, , x1] = faceBoxFromDetection(face, nose);
    expect((x0 + x1) / 2).toBeCloseTo(150 + 100 * (0.1 + 0.05), 9);
    expect(x1 - x0).toBeCloseTo(100 * 0.8 * Math.exp(0.4), 9);
    // without keypoints the constant terms apply
    expect(faceBoxFromDetection({ box: face.box }, nose)).toEqual(plain);
    expect(faceBoxFromDetection({ box: face.box, keypoints: [] }, nose)).toEqual(plain);
  });

  it('rejects coefficient lists of the wrong length', () => {
    const bad = { ...constant, keypointTerms: { centreX: [0, 1], centreY: [0, 1], logScaleX: [0, 1], logScaleY: [0, 1] } };
    expect(() => faceBoxFromDetection(face, bad)).toThrow(InvalidArgumentError);
  });

  it('ships one intercept and one coefficient per feature for each of the four terms', () => {
    const t = BLAZEFACE_BOX_CALIBRATION.keypointTerms!;
    for (const terms of [t.centreX, t.centreY, t.logScaleX, t.logScaleY]) expect(terms.length).toBe(DETECTOR_KEYPOINT_FEATURES.length + 1);
  });
});

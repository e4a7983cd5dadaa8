import { describe, expect, it } from 'vitest';
import { blazeFaceAnchors } from './anchors.js';
import { blendDetections, boxIou, decodeCandidates } from './decode.js';
import { faceBoxFromDetection } from './face-box.js';

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

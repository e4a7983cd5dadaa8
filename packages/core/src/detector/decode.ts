/**
 * Pure decoding of BlazeFace's raw outputs (no tensors): scores, boxes and keypoints per anchor,
 * and the score-weighted blending of overlapping detections (MediaPipe's "weighted NMS").
 */

/** Values per regressor row: box centre offset (x, y), width, height, then 6 keypoints (x, y). */
export const BLAZEFACE_REGRESSOR_SIZE = 16;
/** Keypoints per face, in this order (image-left = the subject's right). */
export const BLAZEFACE_KEYPOINT_NAMES = [
  'eyeImageLeft',
  'eyeImageRight',
  'noseTip',
  'mouthCentre',
  'earImageLeft',
  'earImageRight',
] as const;
export const BLAZEFACE_KEYPOINT_COUNT = BLAZEFACE_KEYPOINT_NAMES.length;

/** Candidates of one image in the detector's input frame (input pixels, continuous coordinates). */
export interface DecodedCandidates {
  /** [n] anchor row of each candidate. */
  readonly anchorIndex: Int32Array;
  /** [n] sigmoid score in 0..1. */
  readonly scores: Float32Array;
  /** [n * 4] boxes x0, y0, x1, y1. */
  readonly boxes: Float32Array;
  /** [n * 12] keypoints x, y × 6. */
  readonly keypoints: Float32Array;
}

function sigmoid(logit: number): number {
  const z = Math.max(-80, Math.min(80, logit));
  return 1 / (1 + Math.exp(-z));
}

/**
 * Decodes every anchor whose score reaches `scoreThreshold`.
 *
 * `logits`: [A] raw logits. `regressors`: [A * 16] rows of (dx, dy, w, h, kx0, ky0, … kx5, ky5), all
 * in input pixels: the box centre and each keypoint are the anchor centre plus the offset; w and h
 * are absolute. `anchors`: [A * 2] anchor centres (see `blazeFaceAnchors`).
 */
export function decodeCandidates(
  logits: ArrayLike<number>,
  regressors: ArrayLike<number>,
  anchors: ArrayLike<number>,
  scoreThreshold: number,
): DecodedCandidates {
  const count = anchors.length / 2;
  const rows: number[] = [];
  for (let i = 0; i < count; i++) if (sigmoid(logits[i]) >= scoreThreshold) rows.push(i);
  const anchorIndex = Int32Array.from(rows);
  const scores = new Float32Array(rows.length);
  const boxes = new Float32Array(rows.length * 4);
  const keypoints = new Float32Array(rows.length * BLAZEFACE_KEYPOINT_COUNT * 2);
  rows.forEach((row, n) => {
    const r = row * BLAZEFACE_REGRESSOR_SIZE;
    const ax = anchors[row * 2];
    const ay = anchors[row * 2 + 1];
    const cx = ax + regressors[r];
    const cy = ay + regressors[r + 1];
    const hw = regressors[r + 2] / 2;
    const hh = regressors[r + 3] / 2;
    scores[n] = sigmoid(logits[row]);
    boxes.set([cx - hw, cy - hh, cx + hw, cy + hh], n * 4);
    for (let k = 0; k < BLAZEFACE_KEYPOINT_COUNT; k++) {
      keypoints[(n * BLAZEFACE_KEYPOINT_COUNT + k) * 2] = ax + regressors[r + 4 + 2 * k];
      keypoints[(n * BLAZEFACE_KEYPOINT_COUNT + k) * 2 + 1] = ay + regressors[r + 5 + 2 * k];
    }
  });
  return { anchorIndex, scores, boxes, keypoints };
}

/** Intersection over union of boxes i and j of flat [x0, y0, x1, y1] arrays. */
export function boxIou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const ix = Math.min(a[i * 4 + 2], b[j * 4 + 2]) - Math.max(a[i * 4], b[j * 4]);
  const iy = Math.min(a[i * 4 + 3], b[j * 4 + 3]) - Math.max(a[i * 4 + 1], b[j * 4 + 1]);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const areaA = (a[i * 4 + 2] - a[i * 4]) * (a[i * 4 + 3] - a[i * 4 + 1]);
  const areaB = (b[j * 4 + 2] - b[j * 4]) * (b[j * 4 + 3] - b[j * 4 + 1]);
  return inter / (areaA + areaB - inter);
}

/** One blended detection in the input frame. */
export interface BlendedDetection {
  readonly score: number;
  /** [4] x0, y0, x1, y1. */
  readonly box: Float32Array;
  /** [12] keypoints x, y × 6. */
  readonly keypoints: Float32Array;
}

/**
 * For each kept candidate (from NMS), the score-weighted mean box and keypoints of every candidate
 * overlapping it by more than `iouThreshold` (itself included): steadier than the single best
 * anchor. The score stays the kept candidate's.
 */
export function blendDetections(
  candidates: DecodedCandidates,
  kept: ArrayLike<number>,
  iouThreshold: number,
  weighted = true,
): BlendedDetection[] {
  const out: BlendedDetection[] = [];
  const n = candidates.scores.length;
  const kpLen = BLAZEFACE_KEYPOINT_COUNT * 2;
  for (let q = 0; q < kept.length; q++) {
    const i = kept[q];
    const box = new Float32Array(4);
    const keypoints = new Float32Array(kpLen);
    let total = 0;
    for (let j = 0; j < n; j++) {
      if (j !== i && (!weighted || boxIou(candidates.boxes, i, candidates.boxes, j) <= iouThreshold)) continue;
      const w = candidates.scores[j];
      total += w;
      for (let c = 0; c < 4; c++) box[c] += w * candidates.boxes[j * 4 + c];
      for (let c = 0; c < kpLen; c++) keypoints[c] += w * candidates.keypoints[j * kpLen + c];
    }
    for (let c = 0; c < 4; c++) box[c] /= total;
    for (let c = 0; c < kpLen; c++) keypoints[c] /= total;
    out.push({ score: candidates.scores[i], box, keypoints });
  }
  return out;
}

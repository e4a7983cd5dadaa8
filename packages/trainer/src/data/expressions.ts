import type { Rng } from '../render/procedural.js';

/**
 * The 53 ARKit-style expression weights recorded with every synthetic sample, in this order
 * (the ICT model's file order without its four extras `PupilDilate_L/R` and `cheekRaiser_L/R`,
 * which are never sampled). ARKit's 52 shapes split `browInnerUp` and `cheekPuff` into L/R and
 * lack `tongueOut`. Weights are in [0, 1]; most are 0 for any one sample.
 */
export const EXPRESSION_NAMES = [
  'browDown_L', 'browDown_R', 'browInnerUp_L', 'browInnerUp_R', 'browOuterUp_L', 'browOuterUp_R',
  'cheekPuff_L', 'cheekPuff_R', 'cheekSquint_L', 'cheekSquint_R',
  'eyeBlink_L', 'eyeBlink_R', 'eyeLookDown_L', 'eyeLookDown_R', 'eyeLookIn_L', 'eyeLookIn_R',
  'eyeLookOut_L', 'eyeLookOut_R', 'eyeLookUp_L', 'eyeLookUp_R', 'eyeSquint_L', 'eyeSquint_R',
  'eyeWide_L', 'eyeWide_R',
  'jawForward', 'jawLeft', 'jawOpen', 'jawRight',
  'mouthClose', 'mouthDimple_L', 'mouthDimple_R', 'mouthFrown_L', 'mouthFrown_R', 'mouthFunnel',
  'mouthLeft', 'mouthLowerDown_L', 'mouthLowerDown_R', 'mouthPress_L', 'mouthPress_R', 'mouthPucker',
  'mouthRight', 'mouthRollLower', 'mouthRollUpper', 'mouthShrugLower', 'mouthShrugUpper',
  'mouthSmile_L', 'mouthSmile_R', 'mouthStretch_L', 'mouthStretch_R', 'mouthUpperUp_L', 'mouthUpperUp_R',
  'noseSneer_L', 'noseSneer_R',
] as const;

export type ExpressionName = (typeof EXPRESSION_NAMES)[number];

/** Number of recorded expression weights (53). */
export const EXPRESSION_COUNT = EXPRESSION_NAMES.length;

const INDEX = new Map<string, number>(EXPRESSION_NAMES.map((n, i) => [n, i]));

/** Index of an expression name in `EXPRESSION_NAMES`, or −1. */
export function expressionIndex(name: string): number {
  return INDEX.get(name) ?? -1;
}

/** Options of `sampleExpression`. Probabilities are per sample. */
export interface ExpressionSamplingOptions {
  /** Probability of a neutral face (all weights 0). [0.25] */
  readonly neutral?: number;
  /** Probability of adding 1–3 random shapes with random weights on top (asymmetric combos). [0.15] */
  readonly randomExtras?: number;
}

type Weights = Partial<Record<ExpressionName, number>>;

/** A weight drawn uniformly in [lo, hi). */
const u = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

/** Both sides of a symmetric shape with a little asymmetry: base ± up to 15 %. */
function pair(rng: Rng, w: Weights, left: ExpressionName, right: ExpressionName, value: number): void {
  const d = value * u(rng, -0.15, 0.15);
  w[left] = Math.max(w[left] ?? 0, value + d);
  w[right] = Math.max(w[right] ?? 0, value - d);
}

/** One side only (a wink, a smirk, one raised brow). */
function oneSide(rng: Rng, w: Weights, left: ExpressionName, right: ExpressionName, value: number): void {
  const name = rng() < 0.5 ? left : right;
  w[name] = Math.max(w[name] ?? 0, value);
}

/**
 * Facial "actions": each writes a realistic combination of shapes. Relative frequencies in the
 * second element.
 */
const ACTIONS: readonly [(rng: Rng, w: Weights) => void, number][] = [
  // Eyes
  [(rng, w) => pair(rng, w, 'eyeBlink_L', 'eyeBlink_R', u(rng, 0.5, 1)), 3],
  [(rng, w) => oneSide(rng, w, 'eyeBlink_L', 'eyeBlink_R', u(rng, 0.6, 1)), 1.5],
  [(rng, w) => pair(rng, w, 'eyeSquint_L', 'eyeSquint_R', u(rng, 0.2, 0.9)), 1.5],
  [(rng, w) => pair(rng, w, 'eyeWide_L', 'eyeWide_R', u(rng, 0.3, 1)), 1.5],
  [
    (rng, w) => {
      // Gaze: horizontal (one eye in, the other out) and/or vertical.
      const h = u(rng, -0.8, 0.8);
      if (h > 0) {
        w.eyeLookOut_L = h;
        w.eyeLookIn_R = h;
      } else {
        w.eyeLookIn_L = -h;
        w.eyeLookOut_R = -h;
      }
      if (rng() < 0.5) {
        const v = u(rng, -0.7, 0.7);
        if (v > 0) pair(rng, w, 'eyeLookUp_L', 'eyeLookUp_R', v);
        else pair(rng, w, 'eyeLookDown_L', 'eyeLookDown_R', -v);
      }
    },
    1.5,
  ],
  // Jaw and mouth opening
  [
    (rng, w) => {
      const open = u(rng, 0.1, 1);
      w.jawOpen = Math.max(w.jawOpen ?? 0, open);
      if (rng() < 0.4) pair(rng, w, 'mouthLowerDown_L', 'mouthLowerDown_R', u(rng, 0.1, 0.7));
      if (rng() < 0.25) pair(rng, w, 'mouthStretch_L', 'mouthStretch_R', u(rng, 0.1, 0.6));
      if (rng() < 0.2) pair(rng, w, 'mouthUpperUp_L', 'mouthUpperUp_R', u(rng, 0.1, 0.6));
      if (rng() < 0.2) w.mouthClose = open * u(rng, 0.2, 0.9); // lips together, jaw dropped
    },
    4,
  ],
  [(rng, w) => { w[rng() < 0.5 ? 'jawLeft' : 'jawRight'] = u(rng, 0.1, 0.7); }, 0.7],
  [(rng, w) => { w.jawForward = u(rng, 0.1, 0.7); }, 0.5],
  // Smiles and frowns
  [
    (rng, w) => {
      pair(rng, w, 'mouthSmile_L', 'mouthSmile_R', u(rng, 0.2, 1));
      if (rng() < 0.5) pair(rng, w, 'cheekSquint_L', 'cheekSquint_R', u(rng, 0.1, 0.7));
      if (rng() < 0.3) pair(rng, w, 'eyeSquint_L', 'eyeSquint_R', u(rng, 0.1, 0.5));
      if (rng() < 0.3) pair(rng, w, 'mouthDimple_L', 'mouthDimple_R', u(rng, 0.1, 0.6));
    },
    4,
  ],
  [(rng, w) => oneSide(rng, w, 'mouthSmile_L', 'mouthSmile_R', u(rng, 0.3, 1)), 1.2],
  [
    (rng, w) => {
      pair(rng, w, 'mouthFrown_L', 'mouthFrown_R', u(rng, 0.2, 1));
      if (rng() < 0.4) w.mouthShrugLower = u(rng, 0.1, 0.7);
      if (rng() < 0.3) pair(rng, w, 'browDown_L', 'browDown_R', u(rng, 0.2, 0.8));
    },
    2,
  ],
  [(rng, w) => oneSide(rng, w, 'mouthFrown_L', 'mouthFrown_R', u(rng, 0.3, 1)), 0.6],
  [(rng, w) => pair(rng, w, 'mouthPress_L', 'mouthPress_R', u(rng, 0.2, 1)), 0.8],
  [(rng, w) => { w[rng() < 0.5 ? 'mouthRollLower' : 'mouthRollUpper'] = u(rng, 0.2, 1); }, 0.6],
  [(rng, w) => { w.mouthShrugUpper = u(rng, 0.2, 0.8); if (rng() < 0.5) w.mouthShrugLower = u(rng, 0.2, 0.8); }, 0.5],
  [(rng, w) => pair(rng, w, 'mouthStretch_L', 'mouthStretch_R', u(rng, 0.2, 0.9)), 0.8],
  // Pucker / funnel (kiss, "oo")
  [(rng, w) => { w.mouthPucker = u(rng, 0.3, 1); if (rng() < 0.3) w.mouthFunnel = u(rng, 0.1, 0.5); }, 1.5],
  [(rng, w) => { w.mouthFunnel = u(rng, 0.3, 1); w.jawOpen = Math.max(w.jawOpen ?? 0, u(rng, 0, 0.35)); }, 1.2],
  [(rng, w) => { w[rng() < 0.5 ? 'mouthLeft' : 'mouthRight'] = u(rng, 0.2, 0.9); }, 0.8],
  // Brows
  [(rng, w) => pair(rng, w, 'browInnerUp_L', 'browInnerUp_R', u(rng, 0.3, 1)), 1.5],
  [(rng, w) => pair(rng, w, 'browDown_L', 'browDown_R', u(rng, 0.3, 1)), 1.2],
  [
    (rng, w) => {
      pair(rng, w, 'browOuterUp_L', 'browOuterUp_R', u(rng, 0.3, 1));
      if (rng() < 0.6) pair(rng, w, 'browInnerUp_L', 'browInnerUp_R', u(rng, 0.3, 1));
      if (rng() < 0.4) pair(rng, w, 'eyeWide_L', 'eyeWide_R', u(rng, 0.2, 0.8));
    },
    1.5,
  ],
  [(rng, w) => oneSide(rng, w, 'browOuterUp_L', 'browOuterUp_R', u(rng, 0.4, 1)), 0.7],
  // Cheeks and nose
  [(rng, w) => pair(rng, w, 'cheekPuff_L', 'cheekPuff_R', u(rng, 0.3, 1)), 0.8],
  [(rng, w) => pair(rng, w, 'noseSneer_L', 'noseSneer_R', u(rng, 0.2, 1)), 0.8],
];
const ACTION_TOTAL = ACTIONS.reduce((s, [, f]) => s + f, 0);

/** Shapes that move the same feature in opposite directions; never sampled together. */
const ANTAGONISTS: readonly [ExpressionName, ExpressionName][] = (['_L', '_R'] as const).flatMap((side) =>
  (
    [
      ['eyeBlink', 'eyeWide'],
      ['eyeSquint', 'eyeWide'],
      ['eyeLookIn', 'eyeLookOut'],
      ['eyeLookUp', 'eyeLookDown'],
      ['browDown', 'browInnerUp'],
      ['browDown', 'browOuterUp'],
      ['mouthSmile', 'mouthFrown'],
      ['mouthSmile', 'mouthPress'],
    ] as const
  ).map(([a, b]) => [`${a}${side}`, `${b}${side}`] as [ExpressionName, ExpressionName]),
).concat([
  ['jawLeft', 'jawRight'],
  ['mouthLeft', 'mouthRight'],
  ['mouthPucker', 'mouthSmile_L'],
  ['mouthPucker', 'mouthSmile_R'],
  ['mouthPucker', 'mouthStretch_L'],
  ['mouthPucker', 'mouthStretch_R'],
]);

function pickAction(rng: Rng): (rng: Rng, w: Weights) => void {
  let t = rng() * ACTION_TOTAL;
  for (const [action, f] of ACTIONS) {
    t -= f;
    if (t < 0) return action;
  }
  return ACTIONS[ACTIONS.length - 1][0];
}

/**
 * A sparse, realistic set of expression weights: neutral with probability `neutral`, else 1–3
 * facial actions (blinks incl. one-eye, squints, gaze, jaw open, smiles incl. one-sided, frowns,
 * presses, pucker/funnel, brow raises/lowers, cheek puff, sneer), sometimes with random extra
 * shapes for asymmetric combinations. Returns [53] weights in [0, 1] in `EXPRESSION_NAMES` order.
 */
export function sampleExpression(rng: Rng, options: ExpressionSamplingOptions = {}): Float32Array {
  const out = new Float32Array(EXPRESSION_COUNT);
  if (rng() < (options.neutral ?? 0.25)) return out;
  const w: Weights = {};
  const r = rng();
  const actions = r < 0.55 ? 1 : r < 0.88 ? 2 : 3;
  for (let i = 0; i < actions; i++) pickAction(rng)(rng, w);
  if (rng() < (options.randomExtras ?? 0.15)) {
    const extras = 1 + Math.floor(rng() * 3);
    for (let i = 0; i < extras; i++) {
      const name = EXPRESSION_NAMES[Math.floor(rng() * EXPRESSION_COUNT)];
      if (name === 'mouthClose') continue;
      w[name] = Math.max(w[name] ?? 0, Math.pow(rng(), 1.5));
    }
  }
  // Antagonists cancel each other (a blink with wide-open eyes leaves the eye open): keep the stronger.
  for (const [a, b] of ANTAGONISTS) {
    const wa = w[a] ?? 0;
    const wb = w[b] ?? 0;
    if (wa > 0 && wb > 0) {
      if (wa >= wb) delete w[b];
      else delete w[a];
    }
  }
  // mouthClose is a corrective for an open jaw: never more than jawOpen.
  if (w.mouthClose !== undefined) w.mouthClose = Math.min(w.mouthClose, w.jawOpen ?? 0);
  for (const [name, value] of Object.entries(w)) {
    const i = INDEX.get(name);
    if (i !== undefined) out[i] = Math.min(1, Math.max(0, value ?? 0));
  }
  return out;
}

/** The non-zero weights as a name → weight record (the renderer's `expression` field). */
export function expressionRecord(weights: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < EXPRESSION_COUNT; i++) if (weights[i] !== 0) out[EXPRESSION_NAMES[i]] = weights[i];
  return out;
}

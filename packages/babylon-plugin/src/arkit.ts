/**
 * The 52 ARKit face blendshapes (Apple's `ARFaceAnchor.BlendShapeLocation` names, also the
 * "Perfect Sync" names used by VTuber avatars). "Left"/"Right" are the subject's own sides.
 * Every weight array in this package is a `Float32Array(52)` in this order.
 */
export const ARKIT_BLENDSHAPES = [
  'browDownLeft',
  'browDownRight',
  'browInnerUp',
  'browOuterUpLeft',
  'browOuterUpRight',
  'cheekPuff',
  'cheekSquintLeft',
  'cheekSquintRight',
  'eyeBlinkLeft',
  'eyeBlinkRight',
  'eyeLookDownLeft',
  'eyeLookDownRight',
  'eyeLookInLeft',
  'eyeLookInRight',
  'eyeLookOutLeft',
  'eyeLookOutRight',
  'eyeLookUpLeft',
  'eyeLookUpRight',
  'eyeSquintLeft',
  'eyeSquintRight',
  'eyeWideLeft',
  'eyeWideRight',
  'jawForward',
  'jawLeft',
  'jawOpen',
  'jawRight',
  'mouthClose',
  'mouthDimpleLeft',
  'mouthDimpleRight',
  'mouthFrownLeft',
  'mouthFrownRight',
  'mouthFunnel',
  'mouthLeft',
  'mouthLowerDownLeft',
  'mouthLowerDownRight',
  'mouthPressLeft',
  'mouthPressRight',
  'mouthPucker',
  'mouthRight',
  'mouthRollLower',
  'mouthRollUpper',
  'mouthShrugLower',
  'mouthShrugUpper',
  'mouthSmileLeft',
  'mouthSmileRight',
  'mouthStretchLeft',
  'mouthStretchRight',
  'mouthUpperUpLeft',
  'mouthUpperUpRight',
  'noseSneerLeft',
  'noseSneerRight',
  'tongueOut',
] as const;

export type ArkitBlendshape = (typeof ARKIT_BLENDSHAPES)[number];

/** Number of ARKit blendshapes (52). */
export const ARKIT_COUNT = ARKIT_BLENDSHAPES.length;

const INDEX = /* @__PURE__ */ new Map<string, number>(ARKIT_BLENDSHAPES.map((name, i) => [name, i]));

/** Index of an ARKit name in `ARKIT_BLENDSHAPES`, or −1. */
export function arkitIndex(name: string): number {
  return INDEX.get(name) ?? -1;
}

/**
 * For each index, the index of the same shape on the other side (eyeBlinkLeft ↔ eyeBlinkRight,
 * jawLeft ↔ jawRight, mouthLeft ↔ mouthRight); unsided shapes map to themselves. Used to mirror.
 */
export const ARKIT_MIRROR: Uint8Array = /* @__PURE__ */ (() => {
  const out = new Uint8Array(ARKIT_COUNT);
  ARKIT_BLENDSHAPES.forEach((name, i) => {
    let other: string = name;
    if (name.endsWith('Left')) other = `${name.slice(0, -4)}Right`;
    else if (name.endsWith('Right')) other = `${name.slice(0, -5)}Left`;
    const j = INDEX.get(other);
    out[i] = j ?? i;
  });
  return out;
})();

/**
 * Mirrors weights in place across the face's midline (swaps every Left/Right pair).
 * @param weights Float32Array(52) in `ARKIT_BLENDSHAPES` order. @param scratch Float32Array(52).
 */
export function mirrorBlendshapes(weights: Float32Array, scratch: Float32Array): Float32Array {
  scratch.set(weights);
  for (let i = 0; i < ARKIT_COUNT; i++) weights[i] = scratch[ARKIT_MIRROR[i]];
  return weights;
}

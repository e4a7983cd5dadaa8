import { ARKIT_BLENDSHAPES, ARKIT_COUNT, arkitIndex, type ArkitBlendshape } from './arkit.js';
import { InvalidArgumentError } from './errors.js';

/**
 * An expression (a morph target or VRM expression preset name) as a weighted sum of ARKit
 * blendshapes, clamped to 0..1. E.g. `{ aa: { jawOpen: 1 } }`.
 */
export type ExpressionMapping = Readonly<Record<string, Readonly<Partial<Record<ArkitBlendshape, number>>>>>;

/** VRM 1.0 expression presets (`VRMC_vrm.expressions.preset`) from ARKit weights. Override freely. */
export const VRM1_EXPRESSIONS: ExpressionMapping = {
  happy: { mouthSmileLeft: 0.5, mouthSmileRight: 0.5 },
  angry: { browDownLeft: 0.5, browDownRight: 0.5 },
  sad: { mouthFrownLeft: 0.5, mouthFrownRight: 0.5 },
  relaxed: { cheekSquintLeft: 0.5, cheekSquintRight: 0.5 },
  surprised: { browInnerUp: 0.5, eyeWideLeft: 0.25, eyeWideRight: 0.25 },
  aa: { jawOpen: 1 },
  ih: { mouthStretchLeft: 0.5, mouthStretchRight: 0.5 },
  ou: { mouthPucker: 1 },
  ee: { mouthSmileLeft: 0.3, mouthSmileRight: 0.3, mouthStretchLeft: 0.3, mouthStretchRight: 0.3 },
  oh: { mouthFunnel: 1 },
  blink: { eyeBlinkLeft: 0.5, eyeBlinkRight: 0.5 },
  blinkLeft: { eyeBlinkLeft: 1 },
  blinkRight: { eyeBlinkRight: 1 },
};

/** VRM 0.x blend shape presets (`VRM.blendShapeMaster`) from ARKit weights. Override freely. */
export const VRM0_EXPRESSIONS: ExpressionMapping = {
  a: VRM1_EXPRESSIONS.aa,
  i: VRM1_EXPRESSIONS.ih,
  u: VRM1_EXPRESSIONS.ou,
  e: VRM1_EXPRESSIONS.ee,
  o: VRM1_EXPRESSIONS.oh,
  joy: VRM1_EXPRESSIONS.happy,
  angry: VRM1_EXPRESSIONS.angry,
  sorrow: VRM1_EXPRESSIONS.sad,
  fun: VRM1_EXPRESSIONS.relaxed,
  blink: VRM1_EXPRESSIONS.blink,
  blink_l: VRM1_EXPRESSIONS.blinkLeft,
  blink_r: VRM1_EXPRESSIONS.blinkRight,
};

/** The default mapping: VRM 0.x and 1.0 presets (ARKit names need no mapping). */
export const DEFAULT_EXPRESSIONS: ExpressionMapping = { ...VRM0_EXPRESSIONS, ...VRM1_EXPRESSIONS };

/**
 * A name reduced for matching: the part after the last '.' or ':' (exporters prefix targets with
 * the mesh name), `_L`/`_R`/`.L`/`-L` suffixes as Left/Right, then lower case without separators.
 * `eyeBlink_L`, `EyeBlinkLeft` (Perfect Sync), `blendShape1.eyeBlinkLeft` → `eyeblinkleft`;
 * `Blink_L` (VRM 0) and `blinkLeft` (VRM 1) → `blinkleft`.
 */
export function normaliseTargetName(name: string): string {
  let n = name.trim();
  const cut = Math.max(n.lastIndexOf('.'), n.lastIndexOf(':'));
  if (cut >= 0 && cut < n.length - 2) n = n.slice(cut + 1);
  n = n.replace(/[_\-. ]l$/i, 'Left').replace(/[_\-. ]r$/i, 'Right');
  return n.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const ARKIT_BY_NORMALISED = /* @__PURE__ */ new Map<string, number>(ARKIT_BLENDSHAPES.map((name, i) => [normaliseTargetName(name), i]));

/** What drives a morph target: an ARKit weight, or an expression of the mapping. */
export type TargetSource = { kind: 'arkit'; index: number } | { kind: 'expression'; index: number };

/**
 * A compiled mapping: `evaluate` turns 52 ARKit weights into one value per expression without
 * allocating; `resolve` tells what drives a morph target of a given name.
 */
export interface ExpressionMapper {
  /** Expression names, in `evaluate`'s output order. */
  readonly names: readonly string[];
  /** Mapping expressions take precedence over ARKit names, so users can remap ARKit-named targets. */
  resolve(targetName: string): TargetSource | undefined;
  /** @param arkit Float32Array(52). @param out Float32Array(names.length), written and returned. */
  evaluate(arkit: Float32Array, out: Float32Array): Float32Array;
}

export function createExpressionMapper(mapping: ExpressionMapping = DEFAULT_EXPRESSIONS): ExpressionMapper {
  const names = Object.keys(mapping);
  const byName = new Map<string, number>();
  names.forEach((name, i) => byName.set(normaliseTargetName(name), i));
  const starts = new Uint32Array(names.length + 1);
  const terms: [number, number][] = [];
  names.forEach((name, e) => {
    starts[e] = terms.length;
    for (const [arkit, weight] of Object.entries(mapping[name])) {
      const index = arkitIndex(arkit);
      if (index < 0) throw new InvalidArgumentError(`expression "${name}": "${arkit}" is not an ARKit blendshape`);
      terms.push([index, weight ?? 0]);
    }
  });
  starts[names.length] = terms.length;
  const termIndex = Uint8Array.from(terms, (t) => t[0]);
  const termWeight = Float32Array.from(terms, (t) => t[1]);
  return {
    names,
    resolve(targetName) {
      const key = normaliseTargetName(targetName);
      const e = byName.get(key);
      if (e !== undefined) return { kind: 'expression', index: e };
      const a = ARKIT_BY_NORMALISED.get(key);
      if (a !== undefined) return { kind: 'arkit', index: a };
      return undefined;
    },
    evaluate(arkit, out) {
      for (let e = 0; e < names.length; e++) {
        let sum = 0;
        for (let t = starts[e]; t < starts[e + 1]; t++) sum += termWeight[t] * arkit[termIndex[t]];
        out[e] = sum < 0 ? 0 : sum > 1 ? 1 : sum;
      }
      return out;
    },
  };
}

export { ARKIT_COUNT };

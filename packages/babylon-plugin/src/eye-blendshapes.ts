import type { EyeObservation, EyesObservation } from '@prnet/core';
import { arkitIndex } from './arkit.js';

/** How eye measures (`@prnet/core`'s iris landmarker) become ARKit eye weights. */
export interface EyeBlendshapeConfig {
  /** Openness (lid gap / eye width) of a closed eye: eyeBlink = 1 at or below it. Default 0.05. */
  closedOpenness?: number;
  /** Openness of a relaxed open eye until `calibrate()` measures the user's. Default 0.25. */
  defaultOpenness?: number;
  /** eyeWide = 1 when the eye opens this fraction beyond the relaxed openness. Default 0.5. */
  wideRange?: number;
  /** Iris offset from the relaxed position (eye widths) that gives a full eyeLook weight. Default 0.12. */
  gazeRange?: number;
}

export const EYE_BLENDSHAPE_DEFAULTS = { closedOpenness: 0.05, defaultOpenness: 0.25, wideRange: 0.5, gazeRange: 0.12 } as const;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const SIDES = ['right', 'left'] as const;

interface Neutral {
  openness: number;
  gazeX: number;
  gazeY: number;
}

/**
 * ARKit eye weights from the iris landmarker's measures: eyeBlink from how far the lids close
 * between the relaxed openness and `closedOpenness`, eyeWide beyond the relaxed openness, and
 * eyeLookIn/Out/Up/Down from the iris offset relative to its relaxed position (weighted down while
 * the eye closes, when the iris is hidden). Writes the subject's Left/Right weights (unmirrored).
 * `calibrate()` records a relaxed, camera-facing look. Pure and allocation-free per call.
 */
export class EyeBlendshapes {
  private readonly closed: number;
  private readonly wideRange: number;
  private readonly gazeRange: number;
  private readonly defaults: Neutral;
  private readonly neutral: { right: Neutral; left: Neutral };
  private isCalibrated = false;
  private static readonly index = {
    blink: [arkitIndex('eyeBlinkRight'), arkitIndex('eyeBlinkLeft')],
    wide: [arkitIndex('eyeWideRight'), arkitIndex('eyeWideLeft')],
    lookIn: [arkitIndex('eyeLookInRight'), arkitIndex('eyeLookInLeft')],
    lookOut: [arkitIndex('eyeLookOutRight'), arkitIndex('eyeLookOutLeft')],
    lookUp: [arkitIndex('eyeLookUpRight'), arkitIndex('eyeLookUpLeft')],
    lookDown: [arkitIndex('eyeLookDownRight'), arkitIndex('eyeLookDownLeft')],
  };

  constructor(config: EyeBlendshapeConfig = {}) {
    this.closed = config.closedOpenness ?? EYE_BLENDSHAPE_DEFAULTS.closedOpenness;
    this.wideRange = config.wideRange ?? EYE_BLENDSHAPE_DEFAULTS.wideRange;
    this.gazeRange = config.gazeRange ?? EYE_BLENDSHAPE_DEFAULTS.gazeRange;
    this.defaults = { openness: config.defaultOpenness ?? EYE_BLENDSHAPE_DEFAULTS.defaultOpenness, gazeX: 0, gazeY: 0 };
    this.neutral = { right: { ...this.defaults }, left: { ...this.defaults } };
  }

  /** True after `calibrate()`. */
  get calibrated(): boolean {
    return this.isCalibrated;
  }

  /** Records these eyes as relaxed and looking at the camera. */
  calibrate(eyes: EyesObservation): void {
    for (const side of SIDES) {
      const n = this.neutral[side];
      const e = eyes[side];
      // A calibration with the eyes (nearly) shut would make every later frame "wide open".
      n.openness = Math.max(e.openness, this.closed + 0.05);
      n.gazeX = e.gazeX;
      n.gazeY = e.gazeY;
    }
    this.isCalibrated = true;
  }

  resetCalibration(): void {
    Object.assign(this.neutral.right, this.defaults);
    Object.assign(this.neutral.left, this.defaults);
    this.isCalibrated = false;
  }

  /** Writes the eye weights of `eyes` into `out` (52 ARKit weights in `ARKIT_BLENDSHAPES` order). */
  apply(eyes: EyesObservation, out: Float32Array): Float32Array {
    const ix = EyeBlendshapes.index;
    for (let s = 0; s < 2; s++) {
      const side = SIDES[s];
      const e: EyeObservation = eyes[side];
      const n = this.neutral[side];
      const blink = clamp01((n.openness - e.openness) / (n.openness - this.closed));
      out[ix.blink[s]] = blink;
      out[ix.wide[s]] = clamp01((e.openness - n.openness) / (this.wideRange * n.openness));
      const visible = 1 - blink;
      const dx = (e.gazeX - n.gazeX) / this.gazeRange;
      const dy = (e.gazeY - n.gazeY) / this.gazeRange;
      // Image x: the subject's right eye is image-left, so its nose side is +x; the left eye's is −x.
      const towardsNose = side === 'right' ? dx : -dx;
      out[ix.lookIn[s]] = visible * clamp01(towardsNose);
      out[ix.lookOut[s]] = visible * clamp01(-towardsNose);
      out[ix.lookUp[s]] = visible * clamp01(-dy);
      out[ix.lookDown[s]] = visible * clamp01(dy);
    }
    return out;
  }
}

/**
 * The One Euro filter (Casiez, Roussel & Vogel, CHI 2012): a low-pass filter whose cutoff rises
 * with the signal's speed — little jitter when still, little lag when moving.
 *
 *   cutoff = minCutoff + beta · |filtered derivative|,   alpha(cutoff) = 1 / (1 + 1 / (2π · cutoff · dt))
 */
export interface OneEuroConfig {
  /** Cutoff frequency at rest, Hz. Lower = smoother, more lag at low speed. Default 1.5. */
  minCutoff?: number;
  /** Speed coefficient, 1 / (signal unit). Higher = less lag when moving fast. Default 0.5. */
  beta?: number;
  /** Cutoff of the derivative's low-pass, Hz. Default 1. */
  derivativeCutoff?: number;
}

export const ONE_EURO_DEFAULTS: Readonly<Required<OneEuroConfig>> = { minCutoff: 1.5, beta: 0.5, derivativeCutoff: 1 };

function alpha(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

/**
 * One Euro filters over a fixed number of channels, filtered in place (no allocation per call).
 * Settings are public and may change between calls.
 */
export class OneEuroFilter {
  /** Cutoff at rest, Hz. */
  minCutoff: number;
  /** Speed coefficient. */
  beta: number;
  /** Derivative cutoff, Hz. */
  derivativeCutoff: number;
  /** False = pass values through unchanged (the state still follows them). */
  enabled = true;
  private readonly previous: Float64Array;
  private readonly derivative: Float64Array;
  private primed = false;

  constructor(
    readonly channels: number,
    config: OneEuroConfig = {},
  ) {
    this.minCutoff = config.minCutoff ?? ONE_EURO_DEFAULTS.minCutoff;
    this.beta = config.beta ?? ONE_EURO_DEFAULTS.beta;
    this.derivativeCutoff = config.derivativeCutoff ?? ONE_EURO_DEFAULTS.derivativeCutoff;
    this.previous = new Float64Array(channels);
    this.derivative = new Float64Array(channels);
  }

  /**
   * Filters `values` in place. @param values `channels` numbers. @param dt seconds since the
   * previous call (≤ 0 or the first call: values are taken as they are).
   */
  filter(values: Float32Array | Float64Array | number[], dt: number): void {
    const n = this.channels;
    if (!this.primed || !(dt > 0) || !this.enabled) {
      for (let i = 0; i < n; i++) {
        if (this.primed && dt > 0) this.derivative[i] = (values[i] - this.previous[i]) / dt;
        this.previous[i] = values[i];
      }
      this.primed = true;
      return;
    }
    const aD = alpha(this.derivativeCutoff, dt);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      const dx = (x - this.previous[i]) / dt;
      const d = this.derivative[i] + aD * (dx - this.derivative[i]);
      this.derivative[i] = d;
      const a = alpha(this.minCutoff + this.beta * Math.abs(d), dt);
      const y = this.previous[i] + a * (x - this.previous[i]);
      this.previous[i] = y;
      values[i] = y;
    }
  }

  /** Forgets the state: the next call passes its values through. */
  reset(): void {
    this.primed = false;
    this.previous.fill(0);
    this.derivative.fill(0);
  }
}

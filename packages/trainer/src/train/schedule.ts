import { InvalidArgumentError } from '@prnet/core';

/** The learning-rate schedule of a run. */
export interface LearningRateConfig {
  /** Peak learning rate (after warm-up). Default 1e-3. */
  initial?: number;
  /**
   * 'cosine': cosine decay from `initial` to `initial × finalFraction` over the steps after warm-up.
   * 'step': multiply by `gamma` every `decayEvery` steps (PRNet: ×0.5 every 5 epochs).
   * Default 'cosine'.
   */
  schedule?: 'cosine' | 'step';
  /** Linear warm-up steps from 0 to `initial`. Default 0. */
  warmup?: number;
  /** Cosine: final learning rate as a fraction of `initial`. Default 0.01. */
  finalFraction?: number;
  /** Step: steps between decays. Default max(1, round(totalSteps / 4)). */
  decayEvery?: number;
  /** Step: decay factor. Default 0.5. */
  gamma?: number;
}

/** Fills the defaults of a learning-rate config (`totalSteps` sets the step schedule's default interval). */
export function resolveLearningRate(config: LearningRateConfig = {}, totalSteps: number): Required<LearningRateConfig> {
  const resolved: Required<LearningRateConfig> = {
    initial: config.initial ?? 1e-3,
    schedule: config.schedule ?? 'cosine',
    warmup: config.warmup ?? 0,
    finalFraction: config.finalFraction ?? 0.01,
    decayEvery: config.decayEvery ?? Math.max(1, Math.round(totalSteps / 4)),
    gamma: config.gamma ?? 0.5,
  };
  if (!(resolved.initial > 0) || !Number.isFinite(resolved.initial)) {
    throw new InvalidArgumentError(`learning rate must be positive, got ${resolved.initial}`);
  }
  if (resolved.schedule !== 'cosine' && resolved.schedule !== 'step') {
    throw new InvalidArgumentError(`unknown learning-rate schedule ${JSON.stringify(resolved.schedule)} (cosine | step)`);
  }
  if (!(resolved.warmup >= 0) || !(resolved.decayEvery >= 1) || !(resolved.gamma > 0) || !(resolved.finalFraction >= 0)) {
    throw new InvalidArgumentError('warmup ≥ 0, decayEvery ≥ 1, gamma > 0 and finalFraction ≥ 0 are required');
  }
  return resolved;
}

/**
 * Learning rate of the update at 0-based `step` of `totalSteps`: linear warm-up
 * ((step + 1) / warmup × initial), then the schedule.
 */
export function learningRateAt(step: number, totalSteps: number, config: Required<LearningRateConfig>): number {
  const { initial, warmup } = config;
  if (step < warmup) return (initial * (step + 1)) / warmup;
  if (config.schedule === 'step') return initial * config.gamma ** Math.floor((step - warmup) / config.decayEvery);
  const span = Math.max(1, totalSteps - warmup - 1);
  const t = Math.min(1, (step - warmup) / span);
  const floor = initial * config.finalFraction;
  return floor + (initial - floor) * 0.5 * (1 + Math.cos(Math.PI * t));
}

import { InvalidArgumentError } from '@prnet/core';

/** Serialisable state of a {@link TrainingRng}: four unsigned 32-bit words (sfc32). */
export type RngState = readonly [number, number, number, number];

/**
 * The trainer's random source: uniform numbers in [0, 1) from sfc32, whose whole state is four
 * 32-bit words, so a checkpoint can store it and a resumed run draws exactly the same numbers.
 */
export interface TrainingRng {
  /** A uniform number in [0, 1) (32 bits of randomness). Bound: can be passed on as a `() => number`. */
  readonly next: () => number;
  /** A copy of the current state. */
  state(): RngState;
}

/** An sfc32 generator seeded from an integer seed (any 32-bit value; warmed up 16 draws). */
export function createTrainingRng(seed: number): TrainingRng {
  const s = seed >>> 0;
  const rng = restoreTrainingRng([0x9e3779b9, s, (s ^ 0x85ebca6b) >>> 0, 1]);
  for (let i = 0; i < 16; i++) rng.next();
  return rng;
}

/** A generator continuing from `state` (as returned by `state()`). */
export function restoreTrainingRng(state: RngState): TrainingRng {
  if (!Array.isArray(state) || state.length !== 4 || !state.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
    throw new InvalidArgumentError(`an RNG state is four unsigned 32-bit integers, got ${JSON.stringify(state)}`);
  }
  let [a, b, c, d] = state.map((v) => v >>> 0);
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = (b ^ (b >>> 9)) >>> 0;
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  return { next, state: () => [a, b, c, d] };
}

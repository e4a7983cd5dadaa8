import { InvalidBoxError } from '../errors.js';
import type { Box } from '../geometry/crop.js';

/** A usage error of the command line (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `x0,y0,x1,y1` into a box (validated for finite numbers and positive size). */
export function parseBoxArg(text: string): Box {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`--box expects x0,y0,x1,y1 (four numbers), got "${text}"`);
  }
  const box = parts as unknown as Box;
  if (!(box[2] > box[0]) || !(box[3] > box[1])) {
    throw new InvalidBoxError(`box [${text}] has zero or negative size (needs x1 > x0 and y1 > y0)`);
  }
  return box;
}

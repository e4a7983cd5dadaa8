import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Exponential moving average; the first value seeds it. */
export function updateEma(previous: number | undefined, value: number, decay = 0.98): number {
  return previous === undefined || !Number.isFinite(previous) ? value : decay * previous + (1 - decay) * value;
}

/** A duration in seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** What one progress line shows. */
export interface ProgressInfo {
  step: number;
  totalSteps: number;
  /** EMA of the loss. */
  loss: number;
  lr: number;
  samplesPerSec: number;
}

/** `step 120/10000 (1.2%)  loss 1.234e-3  lr 9.90e-4  18.2 samples/s  ETA 2h13m`. */
export function formatProgress(p: ProgressInfo, batchSize: number): string {
  const pct = ((100 * p.step) / p.totalSteps).toFixed(1);
  const eta = p.samplesPerSec > 0 ? ((p.totalSteps - p.step) * batchSize) / p.samplesPerSec : Number.NaN;
  return (
    `step ${p.step}/${p.totalSteps} (${pct}%)  loss ${p.loss.toExponential(3)}  lr ${p.lr.toExponential(2)}  ` +
    `${p.samplesPerSec.toFixed(p.samplesPerSec < 10 ? 2 : 1)} samples/s  ETA ${formatDuration(eta)}`
  );
}

/** Appends JSON records, one per line, to a file (created with its folder on first write). */
export interface JsonlLog {
  readonly path: string;
  write(record: Record<string, unknown>): void;
}

export function createJsonlLog(path: string): JsonlLog {
  let ready = false;
  return {
    path,
    write(record) {
      if (!ready) {
        mkdirSync(dirname(path), { recursive: true });
        ready = true;
      }
      appendFileSync(path, `${JSON.stringify(record)}\n`);
    },
  };
}

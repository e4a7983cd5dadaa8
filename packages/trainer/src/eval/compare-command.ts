/**
 * `prnet-train compare A.json B.json`: paired comparison of two `prnet-train eval --json` reports
 * of the same images (see `compare.ts`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@prnet/core';
import { comparePaired, formatComparison, parseEvalReport, type ComparedMetric, type PairedComparison } from './compare.js';

export const COMPARE_HELP = `prnet-train compare A.json B.json [--metric nme2d|nme3d] [--resamples 10000] [--seed 1] [--confidence 0.95] [--json OUT]
    Paired comparison of two \`prnet-train eval --json\` reports of the same images (e.g. a new
    model B against the shipped A): per |yaw| bin and for the mean of bins, A's and B's NME, the
    difference B − A and its bootstrap interval (images resampled within each bin, both models
    scored on the same resample), the share of images B reads better, the head-pose MAE
    difference, and how often a resample finds B not better. Negative differences favour B.
    Refuses reports of different images or protocols. --json OUT: the numbers as JSON.
`;

function readReport(path: string) {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`compare: cannot read ${path}: ${(error as Error).message}`);
  }
  return parseEvalReport(json, path);
}

const finiteOrNull = (_: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** Runs `prnet-train compare` with its own arguments; prints the table; returns the comparison. */
export async function runCompareCommand(argv: string[]): Promise<PairedComparison> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      metric: { type: 'string', default: 'nme2d' },
      resamples: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      confidence: { type: 'string', default: '0.95' },
      json: { type: 'string' },
    },
  });
  if (positionals.length !== 2) {
    throw new InvalidArgumentError(`compare needs two report files (A.json B.json), got ${positionals.length}`);
  }
  const [pathA, pathB] = positionals;
  const a = readReport(pathA);
  const b = readReport(pathB);
  const comparison = comparePaired(a, b, {
    metric: values.metric as ComparedMetric,
    resamples: Number(values.resamples),
    seed: Number(values.seed),
    confidence: Number(values.confidence),
  });
  process.stdout.write(
    formatComparison(comparison, { a: `${pathA}${a.model ? ` — ${a.model}` : ''}`, b: `${pathB}${b.model ? ` — ${b.model}` : ''}` }),
  );
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify({ a: pathA, b: pathB, ...comparison }, finiteOrNull, 2)}\n`);
  }
  return comparison;
}

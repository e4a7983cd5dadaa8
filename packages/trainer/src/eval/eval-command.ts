/**
 * `prnet-train eval`: evaluates a model on an AFLW2000-3D folder and prints the protocol's table.
 *
 *   prnet-train eval [--model M] [--data DIR] [--no-box | --boxes FILE] [--flip] [--refine | --no-refine] [--no-roll-recovery] [--json OUT] [--limit N]
 *                    [--backend wasm|cpu|tensorflow] [--landmarks] [--quiet]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError, type Box } from '@prnet/core';
import { createPrnet, initNodeBackend, type NodeBackendName } from '@prnet/core/node';
import { Aflw2000DataError, findAflw2000DevDir, loadAflw2000 } from './aflw2000.js';
import { evaluateModel, type EvaluationResult } from './evaluate.js';
import { formatReport, reportJson, type ReportContext } from './report.js';

export const EVAL_HELP = `prnet-train eval [--model M] [--data DIR] [--no-box | --boxes FILE] [--flip] [--refine | --no-refine] [--no-roll-recovery] [--json OUT] [--limit N]
    Evaluate a model on AFLW2000-3D (3DDFA/PRNet protocol): NME 2D/3D (% of sqrt(w·h) of the
    ground-truth 68-point box) per |yaw| bin [0,30], (30,60], >60 and their mean, head-pose MAE,
    ms per face, and an error breakdown: NME 2D per facial region (jaw, brows, nose, eyes,
    mouth) and after moving the 68 points onto the truth by the least-squares translation and
    similarity (what is left is the shape error). --model: model.json (default: the model shipped in @prnet/core); --data: an
    AFLW2000-3D folder (default: <shared data>/aflw2000-dev); --no-box: find faces with the
    detector instead of the ground-truth box (reports the detection rate); --boxes FILE: crop from
    the 68-landmark-equivalent boxes in FILE, JSON {"boxes": {"<image path as in the annotations>":
    [x0, y0, x1, y1]}} (images without one count as undetected); --json OUT: write the
    summary and per-sample numbers (--landmarks adds the predicted points); --limit N: first N
    samples; --flip: test-time flip (createPrnet's flipTest: each crop also mirrored, maps
    averaged); --refine: two passes for every face (createPrnet's refine: true — the crop turned
    upright by the first pass's head pose, maps averaged); by default only faces turned 10° or
    more from upright get the second pass (createPrnet's default); --no-refine: one pass for every
    face; --no-roll-recovery: createPrnet's rollRecovery off (no
    turned crops for implausible readings); --backend wasm|cpu|tensorflow; --quiet: no progress.
`;

const BACKENDS: readonly NodeBackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * createPrnet's `refine` from a command's `--refine` / `--no-refine` flags: true (every face),
 * false (one pass) or undefined (createPrnet's default). Throws when both are given.
 */
export function refineFromFlags(values: { refine?: boolean; 'no-refine'?: boolean }): boolean | undefined {
  if (values.refine && values['no-refine']) throw new InvalidArgumentError('--refine and --no-refine exclude each other');
  return values.refine ? true : values['no-refine'] ? false : undefined;
}

/**
 * Runs `prnet-train eval` with its own arguments (after "eval"): prints the table on stdout,
 * progress on stderr, writes the JSON report with `--json`. Returns the evaluation. Throws
 * `Aflw2000DataError` / `InvalidArgumentError` / core's errors on bad input.
 */
export async function runEvalCommand(argv: string[]): Promise<EvaluationResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      'no-box': { type: 'boolean', default: false },
      boxes: { type: 'string' },
      flip: { type: 'boolean', default: false },
      refine: { type: 'boolean', default: false },
      'no-refine': { type: 'boolean', default: false },
      'no-roll-recovery': { type: 'boolean', default: false },
      json: { type: 'string' },
      limit: { type: 'string' },
      backend: { type: 'string' },
      landmarks: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const dataDir = values.data ?? findAflw2000DevDir();
  if (!dataDir) {
    throw new Aflw2000DataError(
      'MISSING_FOLDER',
      'no --data given and <shared data>/aflw2000-dev was not found (set PRNET_DATA_DIR or pass --data DIR)',
    );
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new InvalidArgumentError(`--limit must be a positive integer, got "${values.limit}"`);
  }
  const backendName = values.backend ?? process.env.PRNET_BACKEND;
  if (backendName && !BACKENDS.includes(backendName as NodeBackendName)) {
    throw new InvalidArgumentError(`--backend must be one of ${BACKENDS.join(', ')}, got "${backendName}"`);
  }
  const refine = refineFromFlags(values);
  if (values.boxes && values['no-box']) throw new InvalidArgumentError('--boxes and --no-box exclude each other');
  const boxes = values.boxes ? readBoxesFile(values.boxes) : undefined;
  const dataset = loadAflw2000(dataDir);
  const backend = await initNodeBackend((backendName || undefined) as NodeBackendName | undefined);
  const prnet = await createPrnet({
    model: values.model ? resolve(values.model) : undefined,
    flipTest: values.flip,
    refine,
    rollRecovery: values['no-roll-recovery'] ? false : undefined,
  });
  try {
    const m = prnet.metadata;
    const total = Math.min(limit ?? Infinity, dataset.samples.length);
    const context: ReportContext = {
      model: `${values.model ? resolve(values.model) : '(shipped default)'}: ${m.architecture} ${m.inputSize}px → ${m.uvResolution}² UV map${m.trained ? '' : ' (UNTRAINED)'}${values.flip ? ', test-time flip' : ''}${refine === undefined ? ', two-pass upright crop for tilted faces' : refine ? ', two-pass upright crop' : ', one pass'}${values['no-roll-recovery'] ? ', no roll recovery' : ''}`,
      dataset: `${dataset.dir} (${total} of ${dataset.samples.length} images)`,
      backend,
    };
    const useBox = !values['no-box'];
    const result = await evaluateModel({
      prnet,
      data: dataset,
      useBox,
      boxes,
      limit,
      onProgress: (done, n) => {
        if (!values.quiet && (done % 50 === 0 || done === n)) process.stderr.write(`eval: ${done}/${n}\n`);
      },
    });
    process.stdout.write(formatReport(result, context));
    if (values.json) {
      const json = reportJson(result, context, { includeLandmarks: values.landmarks });
      writeFileSync(values.json, `${JSON.stringify(json, null, 2)}\n`);
      if (!values.quiet) process.stderr.write(`eval: wrote ${values.json}\n`);
    }
    return result;
  } finally {
    prnet.dispose();
  }
}

/** Reads a `--boxes` file: JSON `{ "boxes": { image: [x0, y0, x1, y1] } }` with finite, non-empty boxes. */
export function readBoxesFile(path: string): Record<string, Box> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`--boxes ${path}: ${(error as Error).message}`);
  }
  const boxes = (parsed as { boxes?: unknown } | null)?.boxes;
  if (!boxes || typeof boxes !== 'object' || Array.isArray(boxes)) {
    throw new InvalidArgumentError(`--boxes ${path}: expected {"boxes": {"<image>": [x0, y0, x1, y1]}}`);
  }
  const out: Record<string, Box> = {};
  for (const [image, box] of Object.entries(boxes as Record<string, unknown>)) {
    const ok = Array.isArray(box) && box.length === 4 && box.every((v) => typeof v === 'number' && Number.isFinite(v)) && box[2] > box[0] && box[3] > box[1];
    if (!ok) throw new InvalidArgumentError(`--boxes ${path}: the box of "${image}" must be [x0, y0, x1, y1] with x1 > x0, y1 > y0`);
    out[image] = box as unknown as Box;
  }
  return out;
}

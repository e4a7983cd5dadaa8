import { resolve } from 'node:path';
import type { TrainingBackendName } from '../backend/init-backend.js';
import { exportModel } from './export.js';
import { train, type TrainConfig, type TrainHooks } from './trainer.js';

export const TRAIN_HELP = `prnet-train train — train a PRNet network

Usage:
  prnet-train train --run DIR --data DIR[:weight] [--data DIR[:weight]]... [options]

Options:
  --run DIR            run folder (config.json, log.jsonl, checkpoints/)            (required)
  --data DIR[:W]       training dataset folder, mixed by weight W (default 1)       (required, repeatable)
  --steps N            number of updates                                            [10000]
  --batch N            samples per update                                           [16]
  --lr X               peak learning rate                                           [1e-3]
  --schedule NAME      cosine | step                                                [cosine]
  --warmup N           linear warm-up steps                                         [0]
  --weight-decay X     decoupled weight decay of kernels                            [0]
  --no-augment         PRNet's exact crop (no rotation/scale/colour/occlusion)
  --init MODEL.JSON    start from this model              [@prnet/core's initial mean-face model]
  --checkpoint-every N checkpoint interval in steps                                 [500]
  --keep N             checkpoints kept                                             [3]
  --validate-every N   validation interval in steps (0: only at the end)            [1000]
  --val-synth DIR      synthetic held-out dataset (position error, landmark NME)
  --val-aflw DIR       AFLW2000-3D folder (NME per yaw bin)
  --val-limit N        samples per validation split                                 [64]
  --log-every N        progress line / log.jsonl record interval                    [20]
  --seed N             data order and augmentation seed                             [0]
  --backend NAME       tensorflow-gpu | tensorflow | wasm | cpu                     [fastest available]
  --resume             continue exactly from the newest checkpoint in --run
  --workers N|auto     data-parallel worker threads (auto: one per CPU core), at
                       most one per sub-batch; the main thread loads and augments
                       the next batch meanwhile (N > 1 with one sub-batch: one
                       worker thread). wasm and cpu backends; may change on --resume [1]
  --sub-batches K      split each batch into K sub-batches, each with its own
                       BatchNorm statistics, gradients averaged; the workers share
                       them, so the result depends on K, not on --workers
                                                  [--workers; on --resume, the run's]
  -h, --help           this text

Ctrl-C (SIGINT) or SIGTERM stops after the current step and writes a checkpoint; --resume continues.
`;

export const EXPORT_HELP = `prnet-train export — turn a checkpoint into a release model

Usage:
  prnet-train export --checkpoint DIR --out DIR [--float16] [--no-card] [--description TEXT]

Writes model.json + model.weights.bin (metadata trained: true, with a training summary) and a
MODEL_CARD.md stub filled with the run's measured numbers.
`;

/** Where command output goes (tests capture it). */
export interface CommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Extra hooks for `train` (tests). */
  hooks?: TrainHooks;
}

class UsageError extends Error {}

interface Parsed {
  values: Map<string, string[]>;
  flags: Set<string>;
}

function parse(argv: readonly string[], valued: readonly string[], flags: readonly string[]): Parsed {
  const values = new Map<string, string[]>();
  const set = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flags.includes(name)) {
      set.add(name);
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { values, flags: set };
}

function number(p: Parsed, name: string, integer: boolean): number | undefined {
  const text = p.values.get(name)?.at(-1);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${name} expects ${integer ? 'an integer' : 'a number'}, got "${text}"`);
  }
  return value;
}

/** `DIR[:weight]` → dataset entry (a trailing `:number` is the weight; Windows drive letters survive). */
export function parseDataArg(text: string): { dir: string; weight: number } {
  const match = /^(.*):(\d+(?:\.\d+)?|\.\d+)$/.exec(text);
  if (match && match[1].length > 1) return { dir: match[1], weight: Number(match[2]) };
  return { dir: text, weight: 1 };
}

const TRAIN_VALUED = [
  '--run', '--data', '--steps', '--batch', '--lr', '--schedule', '--warmup', '--weight-decay', '--init',
  '--checkpoint-every', '--keep', '--validate-every', '--val-synth', '--val-aflw', '--val-limit', '--log-every',
  '--seed', '--backend', '--workers', '--sub-batches',
];
const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Builds the TrainConfig of `prnet-train train` arguments. Throws a usage error on bad input. */
export function trainConfigFromArgs(argv: readonly string[]): TrainConfig {
  const p = parse(argv, TRAIN_VALUED, ['--resume', '--no-augment']);
  const run = p.values.get('--run')?.at(-1);
  if (!run) throw new UsageError('--run DIR is required');
  const data = p.values.get('--data') ?? [];
  if (data.length === 0) throw new UsageError('at least one --data DIR is required');
  const schedule = p.values.get('--schedule')?.at(-1);
  if (schedule !== undefined && schedule !== 'cosine' && schedule !== 'step') throw new UsageError('--schedule is cosine or step');
  const backend = p.values.get('--backend')?.at(-1);
  if (backend !== undefined && !BACKENDS.includes(backend)) throw new UsageError(`--backend is one of ${BACKENDS.join(', ')}`);
  const workersText = p.values.get('--workers')?.at(-1);
  const workers = workersText === undefined || workersText === 'auto' ? workersText : Number(workersText);
  if (typeof workers === 'number' && !(Number.isInteger(workers) && workers >= 1)) {
    throw new UsageError(`--workers expects a positive integer or auto, got "${workersText}"`);
  }
  const synthDir = p.values.get('--val-synth')?.at(-1);
  const aflw2000Dir = p.values.get('--val-aflw')?.at(-1);
  return {
    runDir: resolve(run),
    datasets: data.map(parseDataArg).map((d) => ({ dir: resolve(d.dir), weight: d.weight })),
    init: p.values.get('--init')?.at(-1),
    steps: number(p, '--steps', true) ?? 10000,
    batchSize: number(p, '--batch', true),
    learningRate: { initial: number(p, '--lr', false), schedule, warmup: number(p, '--warmup', true) },
    weightDecay: number(p, '--weight-decay', false),
    augment: p.flags.has('--no-augment') ? false : undefined,
    checkpointEvery: number(p, '--checkpoint-every', true),
    keepCheckpoints: number(p, '--keep', true),
    validateEvery: number(p, '--validate-every', true),
    validation:
      synthDir || aflw2000Dir
        ? { synthDir: synthDir && resolve(synthDir), aflw2000Dir: aflw2000Dir && resolve(aflw2000Dir), limit: number(p, '--val-limit', true) }
        : undefined,
    logEvery: number(p, '--log-every', true),
    seed: number(p, '--seed', true),
    backend: backend as TrainingBackendName | undefined,
    resume: p.flags.has('--resume'),
    workers,
    subBatches: number(p, '--sub-batches', true),
  };
}

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * `prnet-train train …`: parses `argv` (the words after `train`), trains, and returns the exit
 * code: 0 done (or stopped cleanly by a signal), 1 training error (message on stderr), 2 usage error.
 */
export async function runTrainCommand(argv: readonly string[], io: CommandIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  if (wantsHelp(argv)) {
    out(TRAIN_HELP);
    return 0;
  }
  let config: TrainConfig;
  try {
    config = trainConfigFromArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`prnet-train train: ${error.message}\n\n${TRAIN_HELP}`);
    return 2;
  }
  try {
    const result = await train(config, { log: (line) => out(`${line}\n`), ...io.hooks });
    out(
      `${result.status === 'completed' ? 'training complete' : 'training interrupted'}: step ${result.step}, ` +
        `loss ${result.lastLoss.toExponential(3)}, checkpoint ${result.checkpoint}\n` +
        (result.status === 'completed' ? `export it with: prnet-train export --checkpoint ${result.checkpoint} --out DIR\n` : `continue with --resume\n`),
    );
    return 0;
  } catch (error) {
    err(`prnet-train train: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** `prnet-train export …`: returns the exit code (0 ok, 1 error, 2 usage error). */
export async function runExportCommand(argv: readonly string[], io: CommandIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  if (wantsHelp(argv)) {
    out(EXPORT_HELP);
    return 0;
  }
  let p: Parsed;
  try {
    p = parse(argv, ['--checkpoint', '--out', '--description'], ['--float16', '--no-card']);
    if (!p.values.get('--checkpoint') || !p.values.get('--out')) throw new UsageError('--checkpoint DIR and --out DIR are required');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`prnet-train export: ${error.message}\n\n${EXPORT_HELP}`);
    return 2;
  }
  try {
    const result = await exportModel({
      checkpoint: p.values.get('--checkpoint')!.at(-1)!,
      out: p.values.get('--out')!.at(-1)!,
      float16: p.flags.has('--float16'),
      card: !p.flags.has('--no-card'),
      description: p.values.get('--description')?.at(-1),
    });
    out(`wrote ${result.modelPath}${result.cardPath ? ` and ${result.cardPath}` : ''}\n`);
    return 0;
  } catch (error) {
    err(`prnet-train export: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PrnetNetwork } from '@prnet/core';
import { loadPrnetNetworkFromFile, savePrnetNetworkToFile } from '@prnet/core/node';
import { TrainingError } from './training-error.js';
import type { RngState } from './rng.js';

/** Where one dataset's stream stands: the next sample is `order(epoch)[index]`. */
export interface DataCursor {
  /** The dataset folder (as given in the config). */
  dir: string;
  epoch: number;
  index: number;
}

/** `state.json` of a checkpoint: everything besides the tensors that a resumed run needs. */
export interface CheckpointState {
  format: 'prnet-checkpoint';
  version: 1;
  /** Updates done so far. */
  step: number;
  /** Training samples consumed so far. */
  samplesSeen: number;
  /** The trainer RNG's state after `step` updates. */
  rng: RngState;
  /** One cursor per configured dataset, in config order. */
  cursors: DataCursor[];
  /** Hash of the training-relevant config (`configHash`); a resume with another config is refused. */
  configHash: string;
  /** Exponential moving average of the loss and the last step's loss. */
  emaLoss: number;
  lastLoss: number;
  /** Latest validation records (for the export's summary). */
  validation?: Record<string, unknown>[];
  /** Seconds of training so far (all sessions). */
  trainSeconds: number;
  /** ISO time of writing. */
  time: string;
  /** The run's config, as JSON (for the export's summary). */
  config: Record<string, unknown>;
}

/** A checkpoint on disk. */
export interface CheckpointInfo {
  dir: string;
  step: number;
}

const NAME = /^step-(\d{7,})$/;

/** Folder name of the checkpoint after `step` updates: `step-0001234`. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(7, '0')}`;
}

/** sha256 (first 16 hex digits) of a JSON value with sorted keys. */
export function configHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 16);
}

/** The complete checkpoints under `checkpointsDir`, oldest first. */
export function listCheckpoints(checkpointsDir: string): CheckpointInfo[] {
  if (!existsSync(checkpointsDir)) return [];
  return readdirSync(checkpointsDir)
    .map((name) => ({ name, match: NAME.exec(name) }))
    .filter((e) => e.match && existsSync(join(checkpointsDir, e.name, 'state.json')))
    .map((e) => ({ dir: join(checkpointsDir, e.name), step: Number(e.match![1]) }))
    .sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint under `checkpointsDir`, if any. */
export function latestCheckpoint(checkpointsDir: string): CheckpointInfo | undefined {
  return listCheckpoints(checkpointsDir).at(-1);
}

/**
 * Writes a checkpoint atomically: everything goes into a temporary folder beside it, which is
 * renamed to `step-XXXXXXX` at the end (a crash leaves either the old set or the new one), then
 * all but the newest `keep` checkpoints are deleted. Files: `model.json` + `model.weights.bin`
 * (the network, float32), `optimizer.bin` + `optimizer.json` (the Adam state from
 * `optimizer.getWeights()`), `state.json` ({@link CheckpointState}). Returns the folder.
 */
export async function saveCheckpoint(
  checkpointsDir: string,
  network: PrnetNetwork,
  optimizer: tf.Optimizer,
  state: CheckpointState,
  keep = 3,
): Promise<string> {
  mkdirSync(checkpointsDir, { recursive: true });
  const final = join(checkpointsDir, checkpointName(state.step));
  const tmp = join(checkpointsDir, `.tmp-${checkpointName(state.step)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    await savePrnetNetworkToFile(network, join(tmp, 'model.json'));
    const named = await optimizer.getWeights();
    // getWeights() makes a fresh 'iter' scalar; the moments are the optimizer's own variables.
    const fresh = named.filter((n) => !(n.tensor instanceof tf.Variable));
    try {
      const { data, specs } = await tf.io.encodeWeights(named);
      writeFileSync(join(tmp, 'optimizer.bin'), new Uint8Array(data));
      writeFileSync(
        join(tmp, 'optimizer.json'),
        JSON.stringify({ format: 'prnet-optimizer', optimizer: optimizer.getClassName(), config: optimizer.getConfig(), specs }),
      );
    } finally {
      tf.dispose(fresh.map((n) => n.tensor));
    }
    writeFileSync(join(tmp, 'state.json'), `${JSON.stringify(state, null, 1)}\n`);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw new TrainingError('CHECKPOINT', `cannot write checkpoint ${final}: ${(error as Error).message}`, { cause: error });
  }
  const all = listCheckpoints(checkpointsDir);
  for (const old of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) rmSync(old.dir, { recursive: true, force: true });
  return final;
}

/** Reads a checkpoint's `state.json`. Throws `TrainingError('CHECKPOINT')` naming the folder. */
export function readCheckpointState(dir: string): CheckpointState {
  const path = join(dir, 'state.json');
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as CheckpointState;
  } catch (error) {
    throw new TrainingError('CHECKPOINT', `${path} is missing or not valid JSON (not a checkpoint folder?)`, { cause: error });
  }
  if (state?.format !== 'prnet-checkpoint' || state.version !== 1 || !Number.isInteger(state.step)) {
    throw new TrainingError('CHECKPOINT', `${path} is not a version-1 prnet checkpoint`);
  }
  return state;
}

/** Loads a checkpoint's network (trainable: `compile: false`). The caller disposes it. */
export function loadCheckpointNetwork(dir: string): Promise<PrnetNetwork> {
  return loadPrnetNetworkFromFile(join(dir, 'model.json'), { compile: false });
}

/** Restores a checkpoint's Adam state into `optimizer` (`setWeights`). */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer): Promise<void> {
  let specs: tf.io.WeightsManifestEntry[];
  let bytes: Uint8Array;
  try {
    specs = (JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as { specs: tf.io.WeightsManifestEntry[] }).specs;
    bytes = readFileSync(join(dir, 'optimizer.bin'));
  } catch (error) {
    throw new TrainingError('CHECKPOINT', `cannot read the optimizer state of ${dir}: ${(error as Error).message}`, { cause: error });
  }
  if (new Set(specs.map((s) => s.name)).size !== specs.length) {
    throw new TrainingError('CHECKPOINT', `${dir}/optimizer.json has duplicate weight names`);
  }
  const buffer = new Uint8Array(bytes).buffer;
  const map = tf.io.decodeWeights(buffer, specs);
  const named = specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
  try {
    await optimizer.setWeights(named);
  } finally {
    // setWeights keeps its own variables (they share the data, reference-counted).
    tf.dispose(Object.values(map));
  }
}

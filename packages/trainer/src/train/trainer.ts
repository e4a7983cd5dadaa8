import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PrnetArchitecture, PrnetNetwork, UvLayout } from '@prnet/core';
import { coreAssetPath, loadDefaultUvLayout, loadPrnetNetworkFromFile } from '@prnet/core/node';
import { initTrainingBackend, type TrainingBackendName } from '../backend/init-backend.js';
import { makeTrainingBatch, type AugmentOptions } from '../data/augment.js';
import { openDataset, type DatasetReader } from '../data/dataset-reader.js';
import type { Sample } from '../data/sample.js';
import {
  configHash,
  latestCheckpoint,
  loadCheckpointNetwork,
  loadOptimizerState,
  readCheckpointState,
  saveCheckpoint,
  type CheckpointState,
  type DataCursor,
} from './checkpoint.js';
import { createMixedStream, type MixedStream } from './data-stream.js';
import { assignFlat, readFlat } from './gradient-worker.js';
import { combineResults, cpuCount, splitBatch, startGradientPool, subBatchSizes, type GradientPool } from './parallel.js';
import { positionMapLoss, weightMaskTensor } from './loss.js';
import { createJsonlLog, formatProgress, updateEma } from './progress.js';
import { createTrainingRng, restoreTrainingRng, type TrainingRng } from './rng.js';
import { learningRateAt, resolveLearningRate, type LearningRateConfig } from './schedule.js';
import { TrainingError } from './training-error.js';
import { validateAflw2000, validateSynthetic, type Aflw2000Validation, type SyntheticValidation } from './validate.js';

/** One training dataset and its share of the batches. */
export interface TrainDataset {
  /** Dataset folder (with `manifest.json`). */
  dir: string;
  /** Relative weight of the mix. Default 1. */
  weight?: number;
}

/** What is validated, every `validateEvery` steps and at the end. */
export interface ValidationConfig {
  /** A synthetic held-out dataset folder: position-map error (px at 128) and landmark NME. */
  synthDir?: string;
  /** An AFLW2000-3D folder: NME per |yaw| bin (GT-box protocol). */
  aflw2000Dir?: string;
  /** Samples per split. Default 64. */
  limit?: number;
}

/** A training run. Defaults in brackets. */
export interface TrainConfig {
  /** Run folder: `config.json`, `log.jsonl`, `checkpoints/step-XXXXXXX/`. */
  runDir: string;
  /** Training datasets, mixed by weight. */
  datasets: readonly TrainDataset[];
  /** Network architecture; must match the init model's. ['prnet-light'] */
  architecture?: PrnetArchitecture;
  /** model.json to start from. [core's shipped initial model, whose UV template holds the mean face] */
  init?: string;
  /** Samples per update. [16] */
  batchSize?: number;
  /** Number of updates (a resumed run continues up to this count). */
  steps: number;
  /** Learning-rate schedule. [1e-3, cosine, no warm-up] */
  learningRate?: LearningRateConfig;
  /** Decoupled (AdamW-style) weight decay of conv/dense kernels per update: w ← w·(1 − lr·weightDecay). [0] */
  weightDecay?: number;
  /** Augmentation (`makeTrainingBatch`); false for PRNet's exact crop. [data module defaults] */
  augment?: AugmentOptions | false;
  /** Checkpoint every N updates (and at the end and on SIGINT/SIGTERM). [500] */
  checkpointEvery?: number;
  /** Checkpoints kept (the newest). [3] */
  keepCheckpoints?: number;
  /** Validate every N updates (and at the end); 0 = only at the end. [1000] */
  validateEvery?: number;
  validation?: ValidationConfig;
  /** Progress line and `log.jsonl` record every N updates. [20] */
  logEvery?: number;
  /** Seed of the data order, augmentation and dataset mixing. [0] */
  seed?: number;
  /** tfjs backend to start, or 'current' to keep the active one. [fastest: initTrainingBackend()] */
  backend?: TrainingBackendName | 'current';
  /** Continue from the newest checkpoint in `runDir` (exactly: same samples, same updates). [false] */
  resume?: boolean;
  /**
   * Data-parallel worker threads ('auto': one per CPU core), each with its own tfjs backend and a
   * replica of the network, computing the gradients of its sub-batches; the calling thread loads
   * and augments the next batch meanwhile, averages the gradients and applies Adam. At most one
   * per sub-batch is used. 1 with one sub-batch trains on the calling thread. wasm and cpu
   * backends only. May change on resume. [1]
   */
  workers?: number | 'auto';
  /**
   * Sub-batches per batch: each is normalised (BatchNorm batch statistics) and differentiated on
   * its own, the gradients averaged — the unit of work of a worker. Fixes the result whatever the
   * number of workers. [the number of workers; on resume, the run's]
   */
  subBatches?: number;
}

/** A dataset as the trainer reads it (`openDataset`'s reader; tests hand in stand-ins). */
export type TrainingDatasetReader = Pick<DatasetReader, 'count' | 'get' | 'iterate'> & {
  readonly manifest?: { readonly uvResolution: number };
};

/** One update, as reported to `onStep`. */
export interface StepRecord {
  step: number;
  loss: number;
  emaLoss: number;
  lr: number;
}

/** Optional callbacks and injections. */
export interface TrainHooks {
  /** Progress and status lines. [console.log] */
  log?: (line: string) => void;
  /** After every update. */
  onStep?: (record: StepRecord) => void;
  /** After every validation. */
  onValidation?: (record: SyntheticValidation | Aflw2000Validation, step: number) => void;
  /** Aborting stops training after the current update, with a checkpoint (like SIGINT). */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers for the duration of `train`. [true] */
  handleSignals?: boolean;
  /** Opens a dataset folder. [`openDataset(dir, { verify: 'size' })`] */
  openDataset?: (dir: string) => TrainingDatasetReader;
  /** UV layout of the loss weights and validation. [`loadDefaultUvLayout(R)`] */
  layout?: UvLayout;
  /** Compute gradients on worker threads even with one worker and one sub-batch (tests, benchmarks). [false] */
  workerThreads?: boolean;
}

/** How a run ended (errors are thrown as `TrainingError` / `DatasetError`). */
export interface TrainResult {
  status: 'completed' | 'interrupted';
  /** Updates done in total (all sessions). */
  step: number;
  samplesSeen: number;
  lastLoss: number;
  emaLoss: number;
  /** The newest checkpoint folder. */
  checkpoint: string;
  /** Mean training throughput of this session (samples per second, data loading included). */
  samplesPerSec: number;
  /** The last validation records. */
  validation: (SyntheticValidation | Aflw2000Validation)[];
}

const OOM = /out of memory|\bOOM\b|allocat|memory access out of bounds|Array buffer|Invalid typed array length|heap/i;

function defaultOpen(dir: string): TrainingDatasetReader {
  return openDataset(dir, { verify: 'size' });
}

/** The training-relevant config (what a resumed run must share), defaults filled. */
function hashedConfig(config: TrainConfig, init: string, lr: Required<LearningRateConfig>, subBatches: number): Record<string, unknown> {
  return {
    architecture: config.architecture ?? 'prnet-light',
    init: resolve(init),
    datasets: config.datasets.map((d) => ({ dir: resolve(d.dir), weight: d.weight ?? 1 })),
    batchSize: config.batchSize ?? 16,
    learningRate: { ...lr, decayEvery: config.learningRate?.decayEvery ?? null },
    weightDecay: config.weightDecay ?? 0,
    augment: config.augment ?? {},
    seed: config.seed ?? 0,
    // Only when used, so runs from before sub-batches existed keep their hash.
    subBatches: subBatches > 1 ? subBatches : undefined,
  };
}

/** The training backend name of the active tfjs backend (for worker threads). */
function activeBackendName(): TrainingBackendName {
  const name = tf.getBackend();
  if (name === 'wasm' || name === 'cpu' || name === 'tensorflow') return name;
  throw new TrainingError('INVALID_CONFIG', `worker threads cannot train on the tfjs backend '${name}'`);
}

/** What a step's batch was prepared from: the RNG and data cursors before it (for checkpoints). */
interface DataState {
  rng: ReturnType<TrainingRng['state']>;
  cursors: DataCursor[];
}

/** A batch prepared ahead (worker-thread training): flat crops and targets. */
interface PreparedBatch {
  images: Float32Array;
  targets: Float32Array;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new TrainingError('INVALID_CONFIG', `${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Trains a PRNet network (see the module README): Adam on PRNet's weighted position-map loss over
 * datasets mixed by weight, with checkpoints (atomic, the last K kept), exact `resume`, a progress
 * line and `log.jsonl` records, periodic validation, and clean stops on SIGINT/SIGTERM.
 *
 * Throws `DatasetError('DATASET_MISSING')` naming a missing dataset folder, and `TrainingError`:
 * 'DIVERGED' (NaN/Inf loss — nothing is saved after the last good checkpoint), 'OUT_OF_MEMORY'
 * (suggests a smaller batch), 'INVALID_CONFIG', 'CHECKPOINT', 'RESUME_MISMATCH'.
 */
export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const totalSteps = positiveInteger(config.steps, 'steps');
  const batchSize = positiveInteger(config.batchSize ?? 16, 'batchSize');
  const checkpointEvery = positiveInteger(config.checkpointEvery ?? 500, 'checkpointEvery');
  const logEvery = positiveInteger(config.logEvery ?? 20, 'logEvery');
  const validateEvery = Math.max(0, Math.floor(config.validateEvery ?? 1000));
  const keep = positiveInteger(config.keepCheckpoints ?? 3, 'keepCheckpoints');
  const seed = config.seed ?? 0;
  const weightDecay = config.weightDecay ?? 0;
  const lrConfig = resolveLearningRate(config.learningRate, totalSteps);
  const init = config.init ?? coreAssetPath('models', 'default', 'model.json');
  if (config.datasets.length === 0) throw new TrainingError('INVALID_CONFIG', 'no training dataset given');

  const runDir = resolve(config.runDir);
  const checkpointsDir = join(runDir, 'checkpoints');
  const previous = latestCheckpoint(checkpointsDir);
  if (previous && !config.resume) {
    throw new TrainingError(
      'INVALID_CONFIG',
      `${runDir} already holds checkpoints (newest: step ${previous.step}); pass --resume to continue it or choose another --run folder`,
    );
  }
  const resumeState: CheckpointState | undefined = config.resume && previous ? readCheckpointState(previous.dir) : undefined;
  const workersWanted = config.workers === 'auto' ? cpuCount() : positiveInteger(config.workers ?? 1, 'workers');
  const runSubBatches = resumeState ? Number(resumeState.config?.subBatches ?? 1) : undefined;
  const subBatches = positiveInteger(config.subBatches ?? runSubBatches ?? workersWanted, 'subBatches');
  if (subBatches > batchSize) {
    throw new TrainingError('INVALID_CONFIG', `${subBatches} sub-batches need a batch of at least ${subBatches} samples, got ${batchSize}`);
  }
  const workers = Math.min(workersWanted, subBatches);
  const hashed = hashedConfig(config, init, lrConfig, subBatches);
  const hash = configHash(hashed);
  if (resumeState && resumeState.configHash !== hash) {
    throw new TrainingError(
      'RESUME_MISMATCH',
      `checkpoint ${previous!.dir} was written with another configuration (hash ${resumeState.configHash}, now ${hash}); ` +
        'resume with the same datasets, init, batch, sub-batches, learning rate, augmentation and seed (only --steps and --workers may change)',
    );
  }
  // More workers asked for than sub-batches: still one worker thread, so that batches are
  // prepared on this thread meanwhile.
  const threaded = workersWanted > 1 || subBatches > 1 || hooks.workerThreads === true;

  // Open the data first: a missing folder is the most common mistake and costs nothing to find.
  const open = hooks.openDataset ?? defaultOpen;
  const readers = config.datasets.map((d) => open(d.dir));
  const synthReader = config.validation?.synthDir ? open(config.validation.synthDir) : undefined;

  const backendName = config.backend !== 'current' ? await initTrainingBackend(config.backend, { log }) : undefined;

  let network: PrnetNetwork | undefined;
  let optimizer: tf.Optimizer | undefined;
  let weights: tf.Tensor4D | undefined;
  let stream: MixedStream | undefined;
  let pool: GradientPool | undefined;
  let pending: { before: DataState; batch: Promise<PreparedBatch> } | undefined;
  let stop: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop) {
      // A second signal: give up on the clean stop.
      removeHandlers();
      process.kill(process.pid, signal);
      return;
    }
    stop = signal;
    log(`prnet-train: ${signal} received — finishing this step and writing a checkpoint (send again to quit now)`);
  };
  const handleSignals = hooks.handleSignals ?? true;
  const removeHandlers = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const onAbort = () => {
    stop ??= 'abort';
  };
  hooks.signal?.addEventListener('abort', onAbort);

  try {
    network = resumeState ? await loadCheckpointNetwork(previous!.dir) : await loadPrnetNetworkFromFile(init, { compile: false });
    const { metadata } = network;
    const architecture = config.architecture ?? 'prnet-light';
    if (metadata.architecture !== architecture) {
      throw new TrainingError('INVALID_CONFIG', `${init} is a ${metadata.architecture} model, the config asks for ${architecture}`);
    }
    const R = metadata.uvResolution;
    const S = metadata.inputSize;
    readers.forEach((reader, i) => {
      const r = reader.manifest?.uvResolution;
      if (r !== undefined && r !== R) {
        throw new TrainingError('INVALID_CONFIG', `dataset ${config.datasets[i].dir} has UV resolution ${r}, the network outputs ${R}`);
      }
    });
    const layout = hooks.layout ?? loadDefaultUvLayout(R);
    if (layout.resolution !== R) {
      throw new TrainingError('INVALID_CONFIG', `the UV layout has resolution ${layout.resolution}, the network outputs ${R}`);
    }

    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'config.json'), `${JSON.stringify({ ...config, hash, resolved: hashed }, null, 1)}\n`);
    const jsonl = createJsonlLog(join(runDir, 'log.jsonl'));

    const opt = tf.train.adam(lrConfig.initial);
    optimizer = opt;
    if (resumeState) await loadOptimizerState(previous!.dir, opt);
    const setLearningRate = (lr: number) => {
      (opt as unknown as { learningRate: number }).learningRate = lr;
    };
    const model = network.model;
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const decayed = model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.read() as tf.Variable);
    weights = weightMaskTensor(layout);
    const lossWeights = weights;

    const rng: TrainingRng = resumeState ? restoreTrainingRng(resumeState.rng) : createTrainingRng(seed);
    const cursors: DataCursor[] = resumeState?.cursors ?? config.datasets.map((d) => ({ dir: d.dir, epoch: 0, index: 0 }));
    stream = createMixedStream(
      readers.map((reader, i) => ({ reader, weight: config.datasets[i].weight ?? 1, cursor: cursors[i] })),
      seed,
    );

    const sizes = subBatchSizes(batchSize, subBatches);
    const statVariables = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
    if (workersWanted > workers) {
      log(
        `prnet-train: ${workersWanted} workers asked for, but the run splits each batch into ${subBatches} sub-batch${subBatches > 1 ? 'es' : ''}` +
          `${resumeState && config.subBatches === undefined ? ' (as when it started)' : ''}: using ${workers}`,
      );
    }
    if (threaded) {
      const backend = backendName ?? activeBackendName();
      if (backend === 'tensorflow' || backend === 'tensorflow-gpu') {
        throw new TrainingError(
          'INVALID_CONFIG',
          `worker threads train on the wasm or cpu backend; '${backend}' uses every core itself: run it with --workers 1 and one sub-batch`,
        );
      }
      log(`prnet-train: data-parallel training on ${workers} worker thread${workers > 1 ? 's' : ''}, sub-batches of ${sizes.join('+')} samples`);
      pool = await startGradientPool(workers, {
        modelPath: resumeState ? join(previous!.dir, 'model.json') : init,
        backend,
        weightMask: Float32Array.from(layout.weightMask),
        resolution: R,
        trainableShapes: variables.map((v) => v.shape),
        statShapes: statVariables.map((v) => v.shape),
      });
    }

    let step = resumeState?.step ?? 0;
    let samplesSeen = resumeState?.samplesSeen ?? 0;
    let emaLoss: number | undefined = resumeState?.emaLoss;
    let lastLoss = resumeState?.lastLoss ?? Number.NaN;
    let validation: (SyntheticValidation | Aflw2000Validation)[] = [];
    let lastCheckpoint = previous?.dir ?? '';
    const priorSeconds = resumeState?.trainSeconds ?? 0;
    const sessionStart = performance.now();
    const sessionStep = step;
    let windowStart = performance.now();
    let windowSteps = 0;
    if (resumeState) log(`prnet-train: resuming ${previous!.dir} at step ${step}/${totalSteps}`);

    const checkpoint = async (): Promise<void> => {
      const state: CheckpointState = {
        format: 'prnet-checkpoint',
        version: 1,
        step,
        samplesSeen,
        // With a batch prepared ahead, the state before it (a resumed run prepares it again).
        rng: pending?.before.rng ?? rng.state(),
        cursors: pending?.before.cursors ?? stream!.cursors(),
        configHash: hash,
        emaLoss: emaLoss ?? Number.NaN,
        lastLoss,
        validation: validation as unknown as Record<string, unknown>[],
        trainSeconds: priorSeconds + (performance.now() - sessionStart) / 1000,
        time: new Date().toISOString(),
        config: { ...hashed, steps: totalSteps },
      };
      lastCheckpoint = await saveCheckpoint(checkpointsDir, network!, opt, state, keep);
      jsonl.write({ step, event: 'checkpoint', dir: lastCheckpoint, time: state.time });
    };

    const runValidation = async (): Promise<void> => {
      const records: (SyntheticValidation | Aflw2000Validation)[] = [];
      const limit = config.validation?.limit ?? 64;
      if (synthReader) records.push(await validateSynthetic(network!, synthReader, layout, { limit, batchSize }));
      if (config.validation?.aflw2000Dir) records.push(await validateAflw2000(network!, config.validation.aflw2000Dir, layout, limit));
      for (const record of records) {
        jsonl.write({ step, ...record, time: new Date().toISOString() });
        hooks.onValidation?.(record, step);
        const numbers =
          record.split === 'synthetic'
            ? `position ${record.positionPx128.toFixed(2)} px@128  NME ${record.nme2d.toFixed(2)}%`
            : `NME ${record.nme2d.toFixed(2)}% (${Object.entries(record.bins)
                .map(([bin, v]) => `${bin}: ${v.toFixed(2)}`)
                .join(', ')})`;
        log(`validation ${record.split} @ step ${step} (${record.count} samples): ${numbers}`);
      }
      if (records.length > 0) validation = records;
    };

    const decay = (lr: number) => {
      const factor = 1 - lr * weightDecay;
      tf.tidy(() => decayed.forEach((v) => v.assign(tf.mul(v, factor))));
    };

    /** One update on this thread. */
    const localStep = async (lr: number, samples: Sample[]): Promise<number> => {
      const batch = makeTrainingBatch(samples, { inputSize: S, rng: rng.next, augment: config.augment });
      try {
        const cost = opt.minimize(
          () => positionMapLoss(model.apply(batch.images, { training: true }) as tf.Tensor4D, batch.targets, lossWeights),
          true,
          variables,
        );
        let loss: number;
        try {
          loss = (await cost!.data())[0];
        } finally {
          cost?.dispose();
        }
        if (weightDecay > 0 && Number.isFinite(loss)) decay(lr);
        return loss;
      } finally {
        batch.images.dispose();
        batch.targets.dispose();
      }
    };

    /** Loads and augments the next batch (on this thread), as flat arrays for the workers. */
    const prepare = async (): Promise<PreparedBatch> => {
      const samples = await stream!.next(batchSize, rng.next);
      const batch = makeTrainingBatch(samples, { inputSize: S, rng: rng.next, augment: config.augment });
      try {
        return { images: (await batch.images.data()) as Float32Array, targets: (await batch.targets.data()) as Float32Array };
      } finally {
        batch.images.dispose();
        batch.targets.dispose();
      }
    };
    const prepareAhead = () => {
      const before: DataState = { rng: rng.state(), cursors: stream!.cursors() };
      const batch = prepare();
      batch.catch(() => {}); // awaited (and thrown) by the step that uses it
      return { before, batch };
    };

    /** One update on the worker threads; the next batch is prepared here meanwhile. */
    const threadedStep = async (lr: number): Promise<number> => {
      const ahead = pending ?? prepareAhead();
      pending = undefined;
      const prepared = await ahead.batch;
      const weights = await readFlat([...variables, ...statVariables]);
      const running = pool!.step(weights, splitBatch(prepared.images, prepared.targets, sizes));
      running.catch(() => {});
      if (step + 1 < totalSteps && !stop) pending = prepareAhead();
      const combined = combineResults(await running, sizes);
      if (Number.isFinite(combined.loss)) {
        // In the order of `variables`, as minimize() does (Adam creates its moments in this order).
        let offset = 0;
        const named = variables.map((v) => {
          const tensor = tf.tensor(combined.gradients.subarray(offset, offset + v.size), v.shape, 'float32');
          offset += v.size;
          return { name: v.name, tensor };
        });
        try {
          opt.applyGradients(named);
        } finally {
          tf.dispose(named.map((n) => n.tensor));
        }
        assignFlat(statVariables, combined.stats);
        if (weightDecay > 0) decay(lr);
      }
      return combined.loss;
    };

    while (step < totalSteps && !stop) {
      const lr = learningRateAt(step, totalSteps, lrConfig);
      setLearningRate(lr);
      const samples = threaded ? undefined : await stream.next(batchSize, rng.next);
      let loss: number;
      try {
        loss = samples ? await localStep(lr, samples) : await threadedStep(lr);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (OOM.test(message) || error instanceof RangeError) {
          throw new TrainingError(
            'OUT_OF_MEMORY',
            `out of memory at step ${step + 1} with batch size ${batchSize} (${message.split('\n')[0]}); ` +
              `try a smaller batch, e.g. --batch ${Math.max(1, Math.floor(batchSize / 2))}`,
            { cause: error },
          );
        }
        throw error;
      }
      if (!Number.isFinite(loss)) {
        jsonl.write({ step: step + 1, event: 'diverged', loss: String(loss), lr, time: new Date().toISOString() });
        throw new TrainingError(
          'DIVERGED',
          `the loss became ${loss} at step ${step + 1} (lr ${lr.toExponential(2)}); training stopped without saving. ` +
            (lastCheckpoint
              ? `The last good checkpoint is ${lastCheckpoint}: resume from it with a lower --lr.`
              : 'No checkpoint was written yet: restart with a lower --lr.'),
        );
      }
      step++;
      samplesSeen += batchSize;
      lastLoss = loss;
      emaLoss = updateEma(emaLoss, loss);
      windowSteps++;
      hooks.onStep?.({ step, loss, emaLoss, lr });

      if (step % logEvery === 0 || step === totalSteps) {
        const now = performance.now();
        const samplesPerSec = (windowSteps * batchSize) / Math.max(1e-9, (now - windowStart) / 1000);
        windowStart = now;
        windowSteps = 0;
        log(formatProgress({ step, totalSteps, loss: emaLoss, lr, samplesPerSec }, batchSize));
        jsonl.write({ step, loss, emaLoss, lr, samplesPerSec, time: new Date().toISOString() });
      }
      if (validateEvery > 0 && step % validateEvery === 0 && step < totalSteps) await runValidation();
      if (step % checkpointEvery === 0 && step < totalSteps && !stop) await checkpoint();
    }

    const status = stop ? 'interrupted' : 'completed';
    if (status === 'completed' && (synthReader || config.validation?.aflw2000Dir)) await runValidation();
    if (step !== previous?.step || validation.length > 0) await checkpoint();
    const seconds = (performance.now() - sessionStart) / 1000;
    const samplesPerSec = ((step - sessionStep) * batchSize) / Math.max(1e-9, seconds);
    log(`prnet-train: ${status} at step ${step}/${totalSteps}; checkpoint ${lastCheckpoint}`);
    return {
      status,
      step,
      samplesSeen,
      lastLoss,
      emaLoss: emaLoss ?? Number.NaN,
      checkpoint: lastCheckpoint,
      samplesPerSec,
      validation,
    };
  } finally {
    if (handleSignals) removeHandlers();
    hooks.signal?.removeEventListener('abort', onAbort);
    await pending?.batch.catch(() => {});
    await pool?.close();
    await stream?.close();
    weights?.dispose();
    optimizer?.dispose();
    network?.dispose();
  }
}

/** True when `dir` looks like a run folder with at least one checkpoint. */
export function hasCheckpoints(runDir: string): boolean {
  return existsSync(join(runDir, 'checkpoints')) && latestCheckpoint(join(runDir, 'checkpoints')) !== undefined;
}

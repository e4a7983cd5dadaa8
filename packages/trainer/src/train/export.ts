import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PrnetNetwork } from '@prnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend, savePrnetNetworkToFile } from '@prnet/core/node';
import { loadCheckpointNetwork, readCheckpointState, type CheckpointState } from './checkpoint.js';

/** Options of {@link exportModel}. */
export interface ExportOptions {
  /** A checkpoint folder (`runDir/checkpoints/step-XXXXXXX`). */
  checkpoint: string;
  /** Output folder: `model.json`, `model.weights.bin`, `MODEL_CARD.md`. */
  out: string;
  /** Store the weights as float16 (half the size). Default false. */
  float16?: boolean;
  /** Write `MODEL_CARD.md`. Default true. */
  card?: boolean;
  /** Metadata description. Default: a sentence naming the architecture, steps and datasets. */
  description?: string;
}

/** What {@link exportModel} wrote. */
export interface ExportResult {
  modelPath: string;
  cardPath?: string;
  /** The `training` record stored in the model's metadata. */
  training: Record<string, unknown>;
}

function datasetsOf(state: CheckpointState): { dir: string; weight: number }[] {
  return ((state.config.datasets as { dir: string; weight: number }[] | undefined) ?? []).map((d) => ({ dir: d.dir, weight: d.weight }));
}

function fmt(value: unknown, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** The model card stub, filled with the run's measured numbers. */
export function modelCard(network: PrnetNetwork, state: CheckpointState, training: Record<string, unknown>): string {
  const m = network.metadata;
  const synth = state.validation?.find((v) => v.split === 'synthetic');
  const aflw = state.validation?.find((v) => v.split === 'aflw2000');
  const bins = (aflw?.bins ?? {}) as Record<string, number>;
  const lines = [
    `# PRNet model card — ${m.architecture} ${m.inputSize}² → ${m.uvResolution}² UV position map`,
    '',
    '## What it is',
    `A ${m.architecture} network trained with \`prnet-train\` (PRNet's weighted position-map loss, Adam).`,
    `Input: ${m.inputSize}×${m.inputSize} RGB face crop (side ${m.cropScale} × the 68-landmark box); output: sigmoid × ${m.inputSize} × ${m.outputScale} crop pixels.`,
    '',
    '## Training',
    `- Steps: ${state.step}; samples seen: ${state.samplesSeen}; batch size: ${String(state.config.batchSize)}`,
    `- Datasets: ${datasetsOf(state).map((d) => `${d.dir} (weight ${d.weight})`).join(', ') || 'n/a'}`,
    `- Final loss: ${state.lastLoss.toExponential(3)} (EMA ${state.emaLoss.toExponential(3)}); training time ${(state.trainSeconds / 3600).toFixed(2)} h`,
    `- Seed: ${String(state.config.seed)}; config hash ${state.configHash}`,
    '',
    '## Evaluation (measured at the checkpoint)',
    synth
      ? `- Synthetic held-out (${String(synth.count)} samples): position-map error ${fmt(synth.positionPx128)} px at a 128 crop; landmark NME 2D ${fmt(synth.nme2d)} %, 3D ${fmt(synth.nme3d)} %`
      : '- Synthetic held-out: not measured',
    aflw
      ? `- AFLW2000-3D (${String(aflw.count)} samples, GT-box protocol): NME 2D ${fmt(aflw.nme2d)} % (mean of bins; ` +
        Object.entries(bins)
          .map(([bin, v]) => `${bin}: ${fmt(v)} %`)
          .join(', ') +
        ')'
      : '- AFLW2000-3D: not measured',
    '',
    '## Limitations',
    '- TODO: describe the training data (synthetic ICT Face Model renders; any real data and its licence).',
    '- TODO: known failure cases (extreme poses, occlusion, lighting), intended use and out-of-scope uses.',
    '',
    `_Generated from ${training.checkpoint as string} on ${new Date().toISOString()}._`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Exports a checkpoint as a release model: `model.json` + weights (float32 or float16) whose
 * metadata says `trained: true` with a description and a `training` summary (steps, samples seen,
 * datasets, final losses, validation), plus a `MODEL_CARD.md` stub filled with those numbers.
 * Throws `TrainingError('CHECKPOINT')` when the folder is not a checkpoint.
 */
export async function exportModel(options: ExportOptions): Promise<ExportResult> {
  const checkpoint = resolve(options.checkpoint);
  const state = readCheckpointState(checkpoint);
  // Building the network needs a tfjs backend; start the fastest one when the caller has none.
  if (!tf.engine().backendName) await initNodeBackend();
  const network = await loadCheckpointNetwork(checkpoint);
  try {
    const datasets = datasetsOf(state);
    const training: Record<string, unknown> = {
      steps: state.step,
      samplesSeen: state.samplesSeen,
      batchSize: state.config.batchSize,
      datasets,
      finalLoss: state.lastLoss,
      emaLoss: state.emaLoss,
      validation: state.validation ?? [],
      trainSeconds: state.trainSeconds,
      configHash: state.configHash,
      checkpoint,
      exported: new Date().toISOString(),
    };
    const description =
      options.description ??
      `${network.metadata.architecture} trained by prnet-train for ${state.step} steps (${state.samplesSeen} samples) on ` +
        `${datasets.map((d) => d.dir.split(/[\\/]/).pop()).join(', ') || 'unknown data'}`;
    const exported: PrnetNetwork = { ...network, metadata: { ...network.metadata, trained: true, description, training } };
    const out = resolve(options.out);
    mkdirSync(out, { recursive: true });
    const modelPath = join(out, 'model.json');
    await savePrnetNetworkToFile(exported, modelPath, { float16: options.float16 ?? false });
    let cardPath: string | undefined;
    if (options.card ?? true) {
      cardPath = join(out, 'MODEL_CARD.md');
      writeFileSync(cardPath, modelCard(exported, state, training));
    }
    return { modelPath, cardPath, training };
  } finally {
    network.dispose();
  }
}

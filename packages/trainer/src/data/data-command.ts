import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '@prnet/core';
import { writeDatasetContactSheet } from './contact-sheet.js';
import { openDataset } from './dataset-reader.js';
import type { ImageFormat } from './sample-codec.js';
import type { SyntheticFaceOptions } from './synthetic-face.js';
import { writeSyntheticDataset, type DatasetProgress, type WriteDatasetOptions } from './write-dataset.js';
import { LABEL_COMMAND_HELP } from '../label/label-help.js';

export const DATA_COMMAND_HELP = `prnet-train data — synthetic training data and fitted real-photo labels

  prnet-train data synth --out DIR --count N [--seed S] [--workers W] [--image-size 192]
                         [--uv-resolution 128] [--shard-size 500] [--image-format rgb|jpeg] [--data DIR]
                         [--blur 0.3] [--jpeg 0.3] [--backgrounds DIR] [--background-fraction 0.5]
      Render N synthetic faces (ICT Face Model) with exact position-map labels into sharded files.
      Re-running on the same folder resumes: complete shards are kept, the rest regenerated.
      --blur P / --jpeg P: fraction of images given a Gaussian blur (σ 0.5–2 px at 192²) / a JPEG
      round trip (quality 30–90); 0 turns it off. --backgrounds DIR: a folder of .jpg/.png photos;
      a fraction (--background-fraction) of samples get a random crop of one as background instead
      of a procedural one. The photos' licence applies to the dataset (e.g. AFLW: research only).
  prnet-train data sheet --dataset DIR --out FILE.png [--n 16] [--seed S]
      Contact sheet of random samples with their 68 landmarks and position-map dots.
  prnet-train data verify DIR
      Check every shard's size and crc32; exit code 1 when any is corrupt or missing.
  prnet-train data export-pairs --data DIR[:N][,DIR[:N]…] --out DIR [--jpeg-quality 90] [--input-size 128]
      Write every sample (or the first N of a dataset) as PRNet's plain crop: JPEG inputs and
      float16 sigmoid-space targets, for the PyTorch GPU trainer (packages/trainer/gpu/README.md).
${LABEL_COMMAND_HELP}  prnet-train data select-labels --from DIR,DIR[,DIR…] --out DIR [--shard-size N]
      Merge label datasets of the same photos (e.g. MediaPipe- and PRNet-teacher runs): per photo,
      the kept label whose fit is closest to the annotated points (lowest NME; ties: the earlier
      folder). Records are copied as they are; quality records name their source folder.
`;

export interface DataCommandIo {
  /** Where progress lines go. [console.log] */
  readonly log?: (line: string) => void;
  /** Seconds between progress lines (one is always printed per finished shard). [10] */
  readonly progressInterval?: number;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** One progress line, e.g. `1500/30000 (5.0%) · shards 3/60 · 21.3 samples/s · ETA 22m10s`. */
export function formatProgress(p: DatasetProgress): string {
  const pct = ((100 * p.done) / p.total).toFixed(1);
  return `${p.done}/${p.total} (${pct}%) · shards ${p.shardsDone}/${p.shardsTotal} · ${p.rate.toFixed(1)} samples/s · elapsed ${formatSeconds(p.elapsedSeconds)} · ETA ${formatSeconds(p.etaSeconds)}`;
}

/** Parses `--name value` pairs (and bare positionals). */
function parseArgs(argv: readonly string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new InvalidArgumentError(`${a} needs a value`);
      flags.set(a.slice(2), value);
      i++;
    } else positional.push(a);
  }
  return { flags, positional };
}

function intFlag(flags: Map<string, string>, name: string, fallback?: number): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`--${name} must be an integer, got "${v}"`);
  return n;
}

function checkKnown(flags: Map<string, string>, known: readonly string[]): void {
  for (const k of flags.keys()) if (!known.includes(k)) throw new InvalidArgumentError(`unknown option --${k}\n\n${DATA_COMMAND_HELP}`);
}

function probabilityFlag(flags: Map<string, string>, name: string): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const p = Number(v);
  if (v.trim() === '' || !(p >= 0 && p <= 1)) throw new InvalidArgumentError(`--${name} must be a number in [0, 1], got "${v}"`);
  return p;
}

/** The `writeSyntheticDataset` options of `data synth` arguments (argv after `synth`). */
export function parseSynthOptions(argv: readonly string[]): WriteDatasetOptions {
  const { flags } = parseArgs(argv);
  checkKnown(flags, [
    'out', 'count', 'seed', 'workers', 'image-size', 'uv-resolution', 'shard-size', 'image-format', 'data',
    'blur', 'jpeg', 'backgrounds', 'background-fraction',
  ]);
  const outDir = flags.get('out');
  const count = intFlag(flags, 'count');
  if (!outDir || count === undefined) throw new InvalidArgumentError(`data synth needs --out DIR and --count N\n\n${DATA_COMMAND_HELP}`);
  const data = flags.get('data');
  const blur = probabilityFlag(flags, 'blur');
  const jpeg = probabilityFlag(flags, 'jpeg');
  const backgrounds = flags.get('backgrounds');
  const backgroundFraction = probabilityFlag(flags, 'background-fraction');
  if (backgroundFraction !== undefined && !backgrounds) throw new InvalidArgumentError('--background-fraction needs --backgrounds DIR');
  const face: Omit<SyntheticFaceOptions, 'imageSize'> = {
    ...(blur !== undefined ? { blur: { probability: blur } } : {}),
    ...(jpeg !== undefined ? { jpeg: { probability: jpeg } } : {}),
    ...(backgrounds ? { backgrounds: { dir: resolve(backgrounds), probability: backgroundFraction ?? 0.5 } } : {}),
  };
  return {
    outDir,
    count,
    seed: intFlag(flags, 'seed', 0),
    workers: intFlag(flags, 'workers', 1),
    imageSize: intFlag(flags, 'image-size', 192),
    uvResolution: intFlag(flags, 'uv-resolution', 128),
    shardSize: intFlag(flags, 'shard-size', 500),
    imageFormat: (flags.get('image-format') ?? 'rgb') as ImageFormat,
    ictDir: data ? join(data, 'ict-face-model') : undefined,
    face,
  };
}

/**
 * `prnet-train data …` (argv after `data`): `synth`, `sheet`, `verify`. Prints progress lines;
 * throws typed errors (InvalidArgumentError for bad arguments, DatasetError for data problems).
 * Returns the process exit code (0 ok, 1 verification failed, 2 usage).
 */
export async function runDataCommand(argv: readonly string[], io: DataCommandIo = {}): Promise<number> {
  const log = io.log ?? ((line: string) => console.log(line));
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === 'help' || sub === '-h') {
    log(DATA_COMMAND_HELP);
    return sub === undefined ? 2 : 0;
  }
  const { flags, positional } = parseArgs(rest);
  if (sub === 'synth') {
    const options = parseSynthOptions(rest);
    const { outDir, count } = options;
    const interval = (io.progressInterval ?? 10) * 1000;
    let last = 0;
    let lastShards = -1;
    log(`synthesising ${count} samples into ${outDir}`);
    if (options.face?.backgrounds) log(`photo backgrounds from ${options.face.backgrounds.dir} (their licence applies to the dataset)`);
    const result = await writeSyntheticDataset({
      ...options,
      onProgress: (p) => {
        const now = performance.now();
        if (now - last >= interval || p.shardsDone !== lastShards || p.done === p.total) {
          if (p.generated > 0 || lastShards < 0) log(formatProgress(p));
          last = now;
          lastShards = p.shardsDone;
        }
      },
    });
    const rate = Number.isNaN(result.rate) ? 'nothing to generate' : `${result.rate.toFixed(2)} samples/s`;
    log(
      `done: ${result.manifest.shards.length} shards (${result.skippedShards} kept from before), ${result.generated} samples generated in ` +
        `${formatSeconds(result.seconds)} (${rate}), ${Math.round(result.bytesPerSample)} bytes/sample`,
    );
    return 0;
  }
  if (sub === 'sheet') {
    checkKnown(flags, ['dataset', 'out', 'n', 'seed']);
    const dir = flags.get('dataset') ?? positional[0];
    const out = flags.get('out');
    if (!dir || !out) throw new InvalidArgumentError(`data sheet needs --dataset DIR and --out FILE\n\n${DATA_COMMAND_HELP}`);
    const indices = writeDatasetContactSheet(dir, out, intFlag(flags, 'n', 16), { seed: intFlag(flags, 'seed', 0) });
    log(`wrote ${out} (samples ${indices.join(', ')})`);
    return 0;
  }
  if (sub === 'label' || sub === 'label-calibrate') {
    const { runLabelCommand } = await import('../label/label-command.js');
    return runLabelCommand(sub, flags, log, io.progressInterval ?? 10);
  }
  if (sub === 'select-labels') {
    checkKnown(flags, ['from', 'out', 'shard-size']);
    const from = flags.get('from');
    const outDir = flags.get('out');
    if (!from || !outDir) throw new InvalidArgumentError(`data select-labels needs --from DIR,DIR and --out DIR\n\n${DATA_COMMAND_HELP}`);
    const { selectLabels } = await import('../label/select-labels.js');
    const { formatFitReport } = await import('../label/fit-report.js');
    const sources = from.split(',');
    const result = selectLabels({ from: sources, outDir, shardSize: flags.has('shard-size') ? intFlag(flags, 'shard-size', 0) : undefined });
    log(`${outDir}: ${result.photos} photos, ${result.report.kept} labelled (${sources.map((d, k) => `${result.chosen[k]} from ${d}`).join(', ')}), ${result.report.dropped} kept by no source`);
    log(formatFitReport(result.report));
    return 0;
  }
  if (sub === 'export-pairs') {
    checkKnown(flags, ['data', 'out', 'jpeg-quality', 'input-size']);
    const data = flags.get('data');
    const outDir = flags.get('out');
    if (!data || !outDir) throw new InvalidArgumentError(`data export-pairs needs --data and --out\n\n${DATA_COMMAND_HELP}`);
    const sources = data.split(',').map((part) => {
      const m = /^(.*?)(?::(\d+))?$/.exec(part)!;
      return { dir: m[1], limit: m[2] === undefined ? undefined : Number(m[2]) };
    });
    const { initNodeBackend } = await import('@prnet/core/node');
    await initNodeBackend('wasm');
    const { exportTrainingPairs } = await import('./export-pairs.js');
    const t0 = performance.now();
    let last = 0;
    const result = exportTrainingPairs({
      sources,
      outDir,
      inputSize: intFlag(flags, 'input-size', 128) ?? 128,
      jpegQuality: intFlag(flags, 'jpeg-quality', 90) ?? 90,
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - last < (io.progressInterval ?? 10) * 1000 && done < total) return;
        last = now;
        const rate = (1000 * done) / (now - t0);
        log(`${done}/${total} (${((100 * done) / total).toFixed(1)}%) · ${rate.toFixed(1)} samples/s · ETA ${formatSeconds((total - done) / rate)}`);
      },
    });
    log(
      `wrote ${result.count} pairs to ${outDir}: JPEG ${(result.imageBytes / result.count / 1024).toFixed(1)} KiB/sample, ` +
        `targets ${(result.targetBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    return 0;
  }
  if (sub === 'verify') {
    checkKnown(flags, []);
    const dir = positional[0];
    if (!dir) throw new InvalidArgumentError(`data verify needs a dataset folder\n\n${DATA_COMMAND_HELP}`);
    const reader = openDataset(dir, { verify: 'crc', onWarning: log });
    const m = reader.manifest;
    log(
      `${dir}: ${reader.count} readable samples of ${m.count} planned, ${m.shards.length} shards listed, ` +
        `${reader.corruptShards} corrupt, ${m.complete ? 'complete' : 'INCOMPLETE'}`,
    );
    return reader.corruptShards > 0 ? 1 : 0;
  }
  throw new InvalidArgumentError(`unknown data command "${sub}"\n\n${DATA_COMMAND_HELP}`);
}

import { join } from 'node:path';
import { formatDuration } from '../train/progress.js';
import { InvalidArgumentError } from '@prnet/core';
import { decodeImage } from '@prnet/core/node';
import type { ImageFormat } from '../data/sample-codec.js';
import { loadIctModel } from '../ict/ict-model.js';
import { readAflwAnnotations } from './aflw21.js';
import { calibrateAflw21, defaultAflw21Path, writeAflw21Correspondence } from './calibrate-aflw21.js';
import { buildTeacherCorrespondence, defaultCorrespondencePath, writeTeacherCorrespondence } from './correspondence.js';
import { formatFitReport } from './fit-report.js';
import { writeLabelledDataset, type LabelProgress } from './label-dataset.js';
import { createPhotoLabeller } from './label-photo.js';
import { writeLabelledContactSheet } from './label-sheet-file.js';
import { loadTeacher } from './teacher.js';
import { LABEL_COMMAND_HELP } from './label-help.js';

export { LABEL_COMMAND_HELP };


/** One progress line, e.g. `120/1000 (12.0%) · kept 101, dropped 19 · 3.1 photos/s · ETA 4m43s`. */
export function formatLabelProgress(p: LabelProgress): string {
  return (
    `${p.done}/${p.total} (${((100 * p.done) / p.total).toFixed(1)}%) · kept ${p.kept}, dropped ${p.dropped} · shards ${p.shardsDone}/${p.shardsTotal} · ` +
    `${p.rate.toFixed(2)} photos/s · elapsed ${formatDuration(p.elapsedSeconds)} · ETA ${formatDuration(p.etaSeconds)}`
  );
}

function parseTeacherKind(v: string | undefined): 'mediapipe' | 'prnet' {
  if (v === undefined || v === 'mediapipe' || v === 'prnet') return v ?? 'mediapipe';
  throw new InvalidArgumentError(`--teacher must be mediapipe or prnet, got "${v}"`);
}

/** `prnet-train data label|label-calibrate` with parsed flags. Returns the exit code. */
export async function runLabelCommand(
  sub: 'label' | 'label-calibrate',
  flags: Map<string, string>,
  log: (line: string) => void,
  progressInterval = 10,
): Promise<number> {
  const num = (name: string, fallback?: number): number | undefined => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`--${name} must be a number, got "${v}"`);
    return n;
  };
  const known = sub === 'label'
    ? ['aflw', 'out', 'limit', 'seed', 'shard-size', 'max-nme', 'min-face-score', 'no-annotations', 'image-format', 'sheet', 'data', 'workers', 'child-shards', 'teacher', 'teacher-model', 'only-dropped-in']
    : ['aflw', 'renders', 'samples', 'out-dir', 'data'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new InvalidArgumentError(`unknown option --${k}\n\n${LABEL_COMMAND_HELP}`);
  const aflw = flags.get('aflw');
  if (!aflw) throw new InvalidArgumentError(`data ${sub} needs --aflw DIR (the aflw-crops folder)\n\n${LABEL_COMMAND_HELP}`);
  const data = flags.get('data');
  const ictDir = data ? join(data, 'ict-face-model') : undefined;

  if (sub === 'label-calibrate') {
    const outDir = flags.get('out-dir');
    const corrPath = outDir ? join(outDir, 'mediapipe-to-ict.json') : defaultCorrespondencePath();
    const aflwPath = outDir ? join(outDir, 'aflw21-to-ict.json') : defaultAflw21Path();
    const model = loadIctModel(ictDir);
    const teacher = await loadTeacher();
    try {
      const renders = num('renders', 200)!;
      log(`correspondence: rendering ${renders} synthetic faces and running the teacher on each`);
      const t0 = performance.now();
      const corr = buildTeacherCorrespondence(model, teacher, {
        renders,
        onProgress: (d, t) => {
          if (d % 25 === 0 || d === t) log(`  ${d}/${t} renders`);
        },
      });
      writeTeacherCorrespondence(corrPath, corr);
      const sorted = [...corr.residual].sort((a, b) => a - b);
      log(
        `wrote ${corrPath} in ${formatDuration((performance.now() - t0) / 1000)}: residual (fraction of face size) median ${sorted[sorted.length >> 1]}, ` +
          `90th percentile ${sorted[Math.floor(sorted.length * 0.9)]}, max ${sorted[sorted.length - 1]}; z scale ${corr.zScale}`,
      );
      const annotations = readAflwAnnotations(aflw);
      const labeller = createPhotoLabeller(model, teacher, corr);
      const cal = calibrateAflw21(model, labeller, annotations, (a) => decodeImage(join(aflw, a.image)), {
        samples: num('samples', 300),
        onProgress: (d, t) => {
          if (d % 50 === 0 || d === t) log(`  ${d}/${t} calibration photos`);
        },
      });
      writeAflw21Correspondence(aflwPath, cal);
      log(`wrote ${aflwPath} (${cal.samples} photos): residual per AFLW point ${JSON.stringify(cal.residual)}`);
    } finally {
      teacher.dispose();
    }
    return 0;
  }

  const outDir = flags.get('out');
  if (!outDir) throw new InvalidArgumentError(`data label needs --out DIR\n\n${LABEL_COMMAND_HELP}`);
  const childShards = flags.get('child-shards')?.split(',').map(Number);
  const workers = num('workers', 1)!;
  // A child re-runs this command line with --workers 1 and --child-shards appended by the parent.
  const argv = process.argv.slice(2);
  const w = argv.indexOf('--workers');
  if (w >= 0) argv.splice(w, 2);
  const workerCommand = [process.execPath, ...process.execArgv, process.argv[1], ...argv, '--workers', '1'];
  const interval = progressInterval * 1000;
  let last = -Infinity;
  let lastShards = -1;
  if (!childShards) log(`labelling AFLW crops from ${aflw} into ${outDir}${workers > 1 ? ` with ${workers} child processes` : ''}`);
  const result = await writeLabelledDataset({
    aflwDir: aflw,
    outDir,
    limit: num('limit'),
    seed: num('seed', 0),
    shardSize: num('shard-size', 500),
    maxNme: num('max-nme', 0.08),
    minFaceScore: num('min-face-score', 0.5),
    useAnnotations: flags.get('no-annotations') !== 'true',
    imageFormat: (flags.get('image-format') ?? 'rgb') as ImageFormat,
    ictDir,
    teacherKind: parseTeacherKind(flags.get('teacher')),
    teacherModel: flags.get('teacher-model'),
    onlyDroppedIn: flags.get('only-dropped-in'),
    workers,
    workerCommand: workers > 1 ? workerCommand : undefined,
    childShards,
    onProgress: (p) => {
      if (childShards) return;
      const now = performance.now();
      if (now - last >= interval || p.shardsDone !== lastShards || p.done === p.total) {
        log(formatLabelProgress(p));
        last = now;
        lastShards = p.shardsDone;
      }
    },
  });
  if (childShards) return 0;
  const r = result.report;
  log(`done: ${r.photos} photos, ${r.kept} kept, ${r.dropped} dropped ${JSON.stringify(r.dropReasons)}; ${result.skippedShards} shards kept from before`);
  if (r.run) {
    log(
      `speed (this run): ${r.run.photosPerSecond.toFixed(2)} photos/s wall; per core ${r.run.photosPerCpuSecond.toFixed(2)} photos/CPU-s ` +
        `(teacher ${r.run.teacherCpuMsPerPhoto.toFixed(1)} ms, fit + encode ${r.run.fitCpuMsPerPhoto.toFixed(1)} ms CPU per photo)`,
    );
  }
  log(`NME against the 21 annotated points, held-out photos (fit-report.json):\n${formatFitReport(r)}`);
  const sheet = flags.get('sheet');
  if (sheet) {
    const indices = writeLabelledContactSheet(outDir, aflw, sheet, 16, { seed: num('seed', 0) });
    log(`wrote ${sheet} (records ${indices.join(', ')})`);
  }
  return 0;
}


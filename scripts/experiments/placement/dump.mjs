// Experiment record (model card, "Where the error lies"): runs a model in one pass, without roll
// recovery, on the AFLW crops or the AFLW2000-3D dev split, and writes per face the 68 predicted
// points, pose, box, the bottleneck activations (relu_97, float16) and pooled relu_63 features.
// usage: node scripts/experiments/placement/dump.mjs aflw|dev OUT_PREFIX [SHARD NSHARDS] [MODEL_JSON]
// Needs the built packages (npm run build) and ../shared/data.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { boxOfPoints, createPrnet, cropToTensor, decodeImage, defaultModelPath, encodeFloat16, imageToTensor, initNodeBackend, loadPrnetNetworkFromFile } from '@prnet/core/node';

const [which, outPrefix, shardArg = '0', countArg = '1', modelArg] = process.argv.slice(2);
if (!['aflw', 'dev'].includes(which) || !outPrefix) throw new Error('usage: dump.mjs aflw|dev OUT_PREFIX [SHARD NSHARDS] [MODEL_JSON]');
const shard = Number(shardArg);
const shards = Number(countArg);
const data = resolve(process.env.PRNET_SHARED_DATA ?? '../shared/data');
const dir = join(data, which === 'aflw' ? 'aflw-crops' : 'aflw2000-dev');

await initNodeBackend('wasm');
const network = await loadPrnetNetworkFromFile(modelArg ?? defaultModelPath());
const prnet = await createPrnet({ model: network, refine: false, rollRecovery: false, detector: false });
const model = network.model;
const features = tfl.model({ inputs: model.inputs, outputs: [model.getLayer('relu_97').output, model.getLayer('relu_63').output] });
const samples = JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')).samples;
const picked = samples.flatMap((_, i) => (i % shards === shard ? [i] : []));
const n = picked.length;
const F1 = 4 * 4 * 800;
const F2 = 2 * 2 * 400;
const bottleneck = new Uint16Array(n * F1);
const pooled = new Float32Array(n * F2);
const landmarks = new Float32Array(n * 68 * 3);
const info = new Float32Array(n * 10); // sample index, pitch, yaw, roll, box x0 y0 x1 y1, crop rotation, 0
const start = Date.now();
for (let k = 0; k < n; k++) {
  const sample = samples[picked[k]];
  const image = decodeImage(join(dir, sample.image));
  let box;
  if (which === 'aflw') {
    // The crop from the 68-point box of a first reading, as the GT-box protocol crops the dev faces.
    const first = await prnet.reconstruct(image, { box: boxOfPoints(sample.landmarks21.filter(Boolean).flat(), 2) });
    box = boxOfPoints(first.landmarks68, 3);
  } else {
    box = boxOfPoints(sample.landmarks68.flat(), 3);
  }
  const face = await prnet.reconstruct(image, { box });
  landmarks.set(face.landmarks68, k * 204);
  info.set([picked[k], face.pose.pitch, face.pose.yaw, face.pose.roll, ...box, face.crop.rotation, 0], k * 10);
  const [deep, mid] = tf.tidy(() => {
    const [a, b] = features.predict(cropToTensor(imageToTensor(image), [face.crop]));
    return [a, tf.avgPool(b, 4, 4, 'valid')];
  });
  bottleneck.set(encodeFloat16(await deep.data()), k * F1);
  pooled.set(await mid.data(), k * F2);
  tf.dispose([deep, mid]);
  if (k % 500 === 0 || k === n - 1) {
    const rate = (k + 1) / ((Date.now() - start) / 1000);
    console.log(`${which} ${shard}/${shards}: ${k + 1}/${n}, ${rate.toFixed(1)} faces/s, ETA ${((n - k - 1) / rate / 60).toFixed(1)} min`);
  }
}
writeFileSync(`${outPrefix}.f1.f16`, bottleneck);
writeFileSync(`${outPrefix}.f2.f32`, pooled);
writeFileSync(`${outPrefix}.lm.f32`, landmarks);
writeFileSync(`${outPrefix}.info.f32`, info);
prnet.dispose();

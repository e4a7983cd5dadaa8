import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadPrnetNetworkFromFile, coreAssetPath, createPrnetNetwork } from '@prnet/core/node';
const backend = process.argv[2] ?? 'cpu';
const B = Number(process.argv[3] ?? 16);
if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(backend); await tf.ready();
const net = process.argv[4] === 'tiny' ? createPrnetNetwork('prnet-light', { inputSize: 32, light: { widths: [8, 16, 32], encoderBlocks: [0, 1, 1], decoderBlocks: [1, 1] } }) : await loadPrnetNetworkFromFile(coreAssetPath('models','default','model.json'), { compile: false });
const S = net.metadata.inputSize;
const opt = tf.train.adam(1e-3);
const vars = net.model.trainableWeights.map((w) => (w as any).read());
console.log('vars', vars.length, net.model.trainableWeights.length);
const x = tf.randomUniform([B, S, S, 3]) as tf.Tensor4D;
const y = tf.randomUniform([B, S, S, 3], 0.3, 0.7) as tf.Tensor4D;
for (let i = 0; i < 4; i++) {
  const t0 = Date.now();
  const cost = opt.minimize(() => tf.mean(tf.squaredDifference(net.model.apply(x, { training: true }) as tf.Tensor, y)) as tf.Scalar, true, vars);
  const v = (await cost!.data())[0]; cost!.dispose();
  console.log(i, v, (Date.now() - t0) / 1000, 's', (B / ((Date.now() - t0) / 1000)).toFixed(2), 'samples/s', tf.memory().numTensors);
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { createPrnetNetwork } from '@prnet/core';
const orig = tf.engine().runKernel.bind(tf.engine());
const seen = new Set<string>();
const be = process.argv[2] ?? 'wasm';
await tf.setBackend(be); await tf.ready();
const eng = tf.engine() as any;
const origRKF = eng.runKernelFunc.bind(eng);
const times = new Map<string, number>();
eng.runKernelFunc = (p: any) => { seen.add(p.kernelName); return origRKF(p); };
const net = createPrnetNetwork('prnet-light', {});
const model = net.model;
const opt = tf.train.adam(1e-3);
const B = 8;
const x = tf.randomUniform([B, 128, 128, 3]);
const y = tf.randomUniform([B, 128, 128, 3]);
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  try {
    const loss = opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor), true);
    console.log('loss', loss?.dataSync()[0], performance.now() - t0);
  } catch (e) { console.log('ERR', (e as Error).message); break; }
}
console.log([...seen].sort().join(' '));

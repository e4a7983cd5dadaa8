import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm'); await tf.ready();
function time(name: string, f: () => tf.Tensor, reps = 5) {
  for (let i = 0; i < 2; i++) tf.tidy(f).dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) { const r = tf.tidy(f); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / reps).toFixed(2), 'ms');
}
const N = +(process.argv[2] ?? 1), H = 64, C = 64, K = 3;
const x = tf.randomNormal([N, H, H, C]); const dy = tf.randomNormal([N, H, H, C]);
const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
const dy2 = tf.reshape(dy, [N * H * H, C]);
time('pad', () => tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]));
time('slice nhwc', () => tf.slice(xp, [0, 1, 1, 0], [N, H, H, C]));
const xpT = tf.transpose(xp, [3, 0, 1, 2]);
time('transpose xp->cf', () => tf.transpose(xp, [3, 0, 1, 2]));
time('slice cf', () => tf.slice(xpT, [0, 0, 1, 1], [C, N, H, H]));
const col = tf.randomNormal([9 * C, N * H * H]);
time('matmul big', () => tf.matMul(col, dy2));
time('A cf-im2col', () => {
  const xpT = tf.transpose(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), [3, 0, 1, 2]);
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) taps.push(tf.reshape(tf.slice(xpT, [0, 0, ky, kx], [C, N, H, H]), [C, N * H * H]));
  return tf.matMul(tf.concat(taps, 0), dy2);
});
time('A2 cf per-tap', () => {
  const xpT = tf.transpose(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), [3, 0, 1, 2]);
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) taps.push(tf.matMul(tf.reshape(tf.slice(xpT, [0, 0, ky, kx], [C, N, H, H]), [C, N * H * H]), dy2));
  return tf.stack(taps);
});
time('conv-trick', () => {
  const xt = tf.transpose(x, [3, 1, 2, 0]);
  const f = tf.transpose(dy, [1, 2, 0, 3]);
  return tf.conv2d(xt as tf.Tensor4D, f as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
});

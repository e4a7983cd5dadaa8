import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm'); await tf.ready();
function time(name: string, f: () => tf.Tensor, reps = 5) {
  for (let i = 0; i < 2; i++) tf.tidy(f).dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) { const r = tf.tidy(f); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / reps).toFixed(2), 'ms');
}
const N = 1, H = 64, C = 64, K = 3;
const x = tf.randomNormal([N, H, H, C]); const w = tf.randomNormal([K, K, C, C]); const dy = tf.randomNormal([N, H, H, C]);
time('conv2d fwd', () => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'));
time('orig backprop input', () => tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [N, H, H, C], 1, 'same'));
const x2 = tf.reshape(x,[N * H * H, C]), dy2 = tf.reshape(dy,[N * H * H, C]);
time('matmul tA', () => tf.matMul(x2, dy2, true, false));
time('transpose+matmul', () => tf.matMul(tf.transpose(x2), dy2));
time('transpose', () => tf.transpose(x2));
// per-tap
time('filter per-tap', () => {
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) {
    const s = tf.slice(xp, [0, ky, kx, 0], [N, H, H, C]); taps.push(tf.matMul(tf.transpose(tf.reshape(s,[N*H*H,C])), dy2));
  }
  return tf.stack(taps);
});
time('filter im2col', () => {
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) taps.push(tf.slice(xp, [0, ky, kx, 0], [N, H, H, C]));
  const col = tf.reshape(tf.concat(taps, 3),[N * H * H, K * K * C]);
  return tf.matMul(tf.transpose(col), dy2);
});
time('filter conv-trick', () => {
  const xt = tf.transpose(x,[3, 1, 2, 0]); // [Cin, H, W, N]
  const f = tf.transpose(dy,[1, 2, 0, 3]); // [Ho, Wo, N, Cout]
  const o = tf.conv2d(xt as tf.Tensor4D, f as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]); // [Cin,3,3,Cout]
  return tf.transpose(o,[1, 2, 0, 3]);
});
time('filter conv-trick2', () => {
  // swap roles: input dy^T [Cout, Ho, Wo, N], filter x^T ... output [Cout, k, k, Cin]
  const dyt = tf.transpose(dy,[3, 1, 2, 0]);
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const f = tf.transpose(xp,[1, 2, 0, 3]); // [Hp, Wp, N, Cin]
  // correlation of dyT with xp: out[co, ky,kx, ci] = sum dy[n,y,x,co] xp[n,y+ky,x+kx,ci]  -> need output at offsets ky: input padded dy by ... use conv of xp-as-input instead
  return tf.conv2d(dyt as tf.Tensor4D, tf.slice(f,[0,0,0,0],[H,H,N,C]) as tf.Tensor4D, 1, [[0,0],[1,1],[1,1],[0,0]]);
});

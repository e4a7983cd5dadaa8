import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Test helper: gives every BatchNormalization layer random, trained-looking statistics
 * (gamma, beta, moving mean in ±0.3 around their defaults, moving variance in [0.5, 2]), so
 * that BatchNorm folding and weight round trips are exercised with non-trivial values.
 * Uses a fixed seed: the same model gets the same values.
 */
export function randomizeBatchNorm(model: tfl.LayersModel, seed = 1): void {
  let s = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const config = layer.getConfig();
    const weights = layer.getWeights();
    const hasGamma = config.scale !== false;
    const values = weights.map((w, i) => {
      const last = i === weights.length - 1;
      const isGamma = hasGamma && i === 0;
      const [lo, hi] = last ? [0.5, 2] : isGamma ? [0.7, 1.3] : [-0.3, 0.3];
      return tf.randomUniform(w.shape, lo, hi, 'float32', s++);
    });
    layer.setWeights(values);
    for (const v of values) v.dispose();
  }
}

/** Test helper: an IOHandler that keeps what it saves in memory and loads it back. */
export function memoryHandler(): tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } {
  const handler: tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } = {
    async save(artifacts) {
      handler.artifacts = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    async load() {
      if (!handler.artifacts) throw new Error('nothing saved');
      return handler.artifacts;
    },
  };
  return handler;
}

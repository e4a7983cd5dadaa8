/**
 * Test helpers of the training loop (not exported from the package): a tiny prnet-light, a small
 * synthetic UV layout, and an in-memory stand-in of a dataset reader whose samples are core's
 * synthetic mean face placed at random in a small image. No shared data needed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPrnetNetwork, type UvLayout } from '@prnet/core';
import { savePrnetNetworkToFile } from '@prnet/core/node';
import { posedPositionMap, syntheticLayout } from '@prnet/core/testing';
import { rotationFromAngles } from '@prnet/core/geometry';
import { createRng } from '../render/procedural.js';
import type { Sample } from '../data/sample.js';
import type { TrainingDatasetReader } from './trainer.js';

/** Side of the tiny network's input and output. */
export const TINY_SIZE = 32;

/** The tiny network's architecture options (3 levels: 16², 8², 4²). */
export const TINY_LIGHT = { widths: [8, 16, 32], encoderBlocks: [0, 1, 1], decoderBlocks: [1, 1], headChannels: 8 } as const;

/** A synthetic 32² layout (ellipse face, 68 landmarks, PRNet weights). */
export function tinyLayout(): UvLayout {
  return syntheticLayout({ resolution: TINY_SIZE });
}

/** Writes a fresh random tiny prnet-light to `dir/model.json` and returns the path. */
export async function writeTinyModel(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const network = createPrnetNetwork('prnet-light', { inputSize: TINY_SIZE, light: TINY_LIGHT });
  const path = join(dir, 'model.json');
  try {
    await savePrnetNetworkToFile(network, path);
  } finally {
    network.dispose();
  }
  return path;
}

/**
 * `count` samples: the synthetic mean face at a random pose (±30° yaw/pitch, ±20° roll), scale and
 * position in a `size`² (48²) image whose pixels show the face's UV coordinates (so the image determines
 * the position map). Deterministic in `seed`. `size` scales image and face together (benchmarks).
 */
export function tinySamples(layout: UvLayout, count: number, seed = 1, size = 48): Sample[] {
  const rng = createRng(seed);
  const f = size / 48;
  const R = layout.resolution;
  return Array.from({ length: count }, (_, index) => {
    const pose = { pitch: (rng() * 2 - 1) * 30, yaw: (rng() * 2 - 1) * 30, roll: (rng() * 2 - 1) * 20 };
    const positionMap = posedPositionMap(layout, {
      rotation: rotationFromAngles(pose.pitch, pose.yaw, pose.roll),
      scale: (1.6 + rng() * 0.6) * f,
      translation: [size / 2 + (rng() * 2 - 1) * 4 * f, size / 2 + (rng() * 2 - 1) * 4 * f, 0],
    });
    let meanZ = 0;
    for (const p of layout.vertexPixels) meanZ += positionMap[p * 3 + 2];
    meanZ /= layout.vertexPixels.length;
    const data = new Uint8Array(size * size * 3).fill(40);
    // Paint far-to-near so the visible surface wins.
    const order = Array.from(layout.vertexPixels).sort((a, b) => positionMap[a * 3 + 2] - positionMap[b * 3 + 2]);
    for (const p of order) {
      positionMap[p * 3 + 2] -= meanZ;
      const x = Math.floor(positionMap[p * 3]);
      const y = Math.floor(positionMap[p * 3 + 1]);
      if (x < 0 || y < 0 || x >= size || y >= size) continue;
      const o = (y * size + x) * 3;
      data[o] = Math.round((255 * (p % R)) / R);
      data[o + 1] = Math.round((255 * Math.floor(p / R)) / R);
      data[o + 2] = 200;
    }
    const landmarks68 = new Float32Array(204);
    layout.landmarkPixels.forEach((p, k) => landmarks68.set(positionMap.subarray(p * 3, p * 3 + 3), k * 3));
    return {
      index,
      seed: index,
      image: { width: size, height: size, channels: 3 as const, data },
      positionMap,
      landmarks68,
      pose,
      expression: new Float32Array(53),
    };
  });
}

/** An in-memory dataset reader over `samples` with the real reader's shuffled-epoch contract. */
export function memoryDataset(samples: readonly Sample[], uvResolution: number): TrainingDatasetReader {
  const count = samples.length;
  const order = (seed: number, epoch: number): number[] => {
    const perm = Array.from({ length: count }, (_, i) => i);
    const rng = createRng((seed * 1_000_003 + epoch * 7919 + 12345) >>> 0);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    return perm;
  };
  return {
    count,
    manifest: { uvResolution },
    get: (i) => samples[i],
    iterate(options = {}) {
      const perm = options.shuffle ? order(options.seed ?? 0, options.epoch ?? 0) : order(0, 0).sort((a, b) => a - b);
      const start = options.startIndex ?? 0;
      return (async function* () {
        for (let i = start; i < count; i++) yield samples[perm[i]];
      })();
    },
  };
}

/** The largest absolute element-wise difference of two equally long arrays. */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

import * as tf from '@tensorflow/tfjs-core';
import {
  boxOfPoints,
  createPrnetNetwork,
  cropFromBox,
  imageToCropPoints,
  InvalidArgumentError,
  sigmoidFromPosition,
  type PrnetNetwork,
  type UvLayout,
} from '@prnet/core';
import { coreAssetPath, initNodeBackend, loadDefaultUvLayout, savePrnetNetworkToFile } from '@prnet/core/node';

/**
 * The mean face of `layout` as the network's target in the crop frame: the canonical mean face
 * (model frame, cm) turned into the image frame (y flipped, mean depth 0), cropped exactly as a
 * frontal face whose tight 68-landmark box is its own would be (`cropFromBox`), and expressed as
 * sigmoid targets (`sigmoidFromPosition`). [R*R*3]; outside the
 * mask the face's mean target.
 */
export function meanFaceTargets(layout: UvLayout, inputSize: number): Float32Array {
  const R = layout.resolution;
  const { mask, meanFace, landmarkPixels } = layout;
  let meanZ = 0;
  let count = 0;
  for (let p = 0; p < R * R; p++) {
    if (mask[p]) {
      meanZ += meanFace[p * 3 + 2];
      count++;
    }
  }
  meanZ /= count;
  const image = new Float32Array(R * R * 3);
  for (let p = 0; p < R * R; p++) {
    image[p * 3] = meanFace[p * 3];
    image[p * 3 + 1] = -meanFace[p * 3 + 1];
    image[p * 3 + 2] = meanFace[p * 3 + 2] - meanZ;
  }
  const landmarks = new Float32Array(68 * 3);
  landmarkPixels.forEach((pixel, i) => landmarks.set(image.subarray(pixel * 3, pixel * 3 + 3), i * 3));
  const crop = cropFromBox(boxOfPoints(landmarks), inputSize);
  const inCrop = imageToCropPoints(crop, image);
  const mean = [0, 0, 0];
  for (let p = 0; p < R * R; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < 3; c++) mean[c] += sigmoidFromPosition(inCrop[p * 3 + c], inputSize);
  }
  const targets = new Float32Array(R * R * 3);
  for (let p = 0; p < R * R; p++) {
    for (let c = 0; c < 3; c++) {
      targets[p * 3 + c] = mask[p] ? sigmoidFromPosition(inCrop[p * 3 + c], inputSize) : mean[c] / count;
    }
  }
  return targets;
}

/**
 * Builds the UNTRAINED initial model: a `prnet-light` network whose head ignores the image (zero
 * kernels) and whose UV template holds the mean face, so every crop yields the mean face placed
 * where PRNet's crop puts a frontal face. It is a baseline and a starting point for training,
 * not a reconstruction; its metadata says `trained: false`.
 */
export function createInitialNetwork(layout: UvLayout): PrnetNetwork {
  const network = createPrnetNetwork('prnet-light', {
    inputSize: layout.resolution,
    description:
      'UNTRAINED initial model: outputs the mean face (ICT Face Model neutral head) placed in the crop; ' +
      'it ignores the image content. A baseline and training starting point, not a reconstruction.',
  });
  const { model } = network;
  if (network.metadata.uvResolution !== layout.resolution) {
    network.dispose();
    throw new InvalidArgumentError(`layout resolution ${layout.resolution} does not match the network's UV map`);
  }
  const targets = meanFaceTargets(layout, network.metadata.inputSize);
  tf.tidy(() => {
    const logits = tf.tensor1d(Array.from(targets, (p) => Math.log(p / (1 - p))));
    const residual = model.getLayer('position_map_residual');
    residual.setWeights(residual.getWeights().map((w) => tf.zerosLike(w)));
    const template = model.getLayer('uv_template');
    const [kernel] = template.getWeights();
    template.setWeights([tf.zerosLike(kernel), logits]);
  });
  return network;
}

/** `prnet-train init-model [--out DIR] [--float32]`: writes the initial model. */
export async function main(argv: readonly string[]): Promise<void> {
  let outDir = coreAssetPath('models', 'default');
  let float16 = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') outDir = argv[++i];
    else if (argv[i] === '--float32') float16 = false;
    else if (argv[i] === '--architecture') {
      const arch = argv[++i];
      if (arch !== 'prnet-light') throw new InvalidArgumentError(`init-model builds prnet-light only, got ${arch}`);
    } else throw new InvalidArgumentError(`unknown argument ${argv[i]}`);
  }
  const backend = await initNodeBackend();
  const layout = loadDefaultUvLayout(128);
  const network = createInitialNetwork(layout);
  try {
    const path = `${outDir}/model.json`;
    await savePrnetNetworkToFile(network, path, { float16 });
    console.log(`wrote the untrained initial model (${backend} backend, float16=${float16}) to ${path}`);
  } finally {
    network.dispose();
  }
}

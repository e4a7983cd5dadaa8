/**
 * `@prnet/core/node`: the Node conveniences — reading images, models and the UV layout from
 * disk, the default shipped model, the default face detector, and backend selection.
 * Everything in the main entry is re-exported, so Node users import from here alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createPrnet as createPrnetCore, type Prnet, type PrnetConfig, type PrnetModelSource } from '../prnet.js';
import type { FaceDetector } from '../detector/types.js';
import type { UvLayoutSource } from '../prnet.js';
import { initNodeBackend, type NodeBackendName } from './backend.js';
import { loadDefaultDetector } from './detector-file.js';
import { filePathOf } from './file-io.js';
import { loadPrnetNetwork } from '../model/load.js';
import type { PrnetNetwork } from '../model/network.js';
import { loadPrnetNetworkFromFile } from './model-file.js';
import { coreAssetPath } from './package-assets.js';
import { loadDefaultUvLayout, readUvLayoutFile } from './uv-layout-file.js';

export * from '../index.js';
export { initNodeBackend, type NodeBackendName } from './backend.js';
export { decodeImage, encodePng, encodeJpeg } from './decode-image.js';
export {
  defaultDetectorModelPath,
  defaultIrisModelPath,
  humanModelsDir,
  loadDefaultDetector,
  loadDefaultIrisLandmarker,
} from './detector-file.js';
export { fileSystemHandler, filePathOf } from './file-io.js';
export { loadPrnetNetworkFromFile, savePrnetNetworkToFile } from './model-file.js';
export { coreAssetPath, corePackageRoot } from './package-assets.js';
export { defaultUvLayoutPath, loadDefaultUvLayout, readUvLayoutFile } from './uv-layout-file.js';

/** Path of the default model shipped inside the package (`assets/models/default/model.json`). */
export function defaultModelPath(): string {
  return coreAssetPath('models', 'default', 'model.json');
}

/** Configuration of the Node `createPrnet`: like the core one, with every field defaulted. */
export interface NodePrnetConfig extends Omit<PrnetConfig, 'model' | 'layout' | 'detector'> {
  /** A network, a model.json path / file:// URL / http(s) URL, or an IOHandler. Default: the shipped model. */
  model?: PrnetModelSource;
  /** A layout or a path to a layout asset. Default: the shipped layout matching the model. */
  layout?: UvLayoutSource;
  /**
   * Face detector for calls without a box. Default: BlazeFace from `@vladmandic/human`, loaded on
   * first use (if that package is missing, calls without a box throw `DetectorUnavailableError`).
   * `false` disables detection.
   */
  detector?: FaceDetector | (() => Promise<FaceDetector>) | false;
  /**
   * tfjs backend to initialise when none is active yet. Default: the fastest available
   * (tfjs-node, then wasm, then cpu). An already active backend is kept.
   */
  backend?: NodeBackendName;
}

function isUrlString(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Loads a network from a local path / file:// URL (filesystem) or anything else tfjs loads. */
async function loadNetwork(source: Exclude<PrnetModelSource, PrnetNetwork>): Promise<PrnetNetwork> {
  if ((typeof source === 'string' && !isUrlString(source)) || (source instanceof URL && source.protocol === 'file:')) {
    return loadPrnetNetworkFromFile(source);
  }
  return loadPrnetNetwork(source);
}

/** Creates a PRNet reconstructor in Node with the shipped model, layout and detector as defaults. */
export async function createPrnet(config: NodePrnetConfig = {}): Promise<Prnet> {
  if (!tf.engine().backendName) await initNodeBackend(config.backend);
  const source = config.model ?? defaultModelPath();
  const given = typeof source === 'object' && 'predictPositionMaps' in source;
  const network = given ? source : await loadNetwork(source);
  let layout: UvLayoutSource;
  try {
    layout =
      config.layout === undefined
        ? loadDefaultUvLayout(network.metadata.uvResolution)
        : typeof config.layout === 'string' && !isUrlString(config.layout)
          ? readUvLayoutFile(filePathOf(config.layout))
          : config.layout;
  } catch (error) {
    if (!given) network.dispose();
    throw error;
  }
  const detector = config.detector === false ? undefined : (config.detector ?? (() => loadDefaultDetector()));
  return createPrnetCore({
    ...config,
    model: network,
    layout,
    detector,
    disposeModel: config.disposeModel ?? !given,
  });
}

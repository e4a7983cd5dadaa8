import type { io } from '@tensorflow/tfjs-core';
import { loadPrnetNetwork, savePrnetNetwork, type SavePrnetNetworkOptions } from '../model/load.js';
import type { PrnetNetwork, PrnetNetworkOptions } from '../model/network.js';
import { fileSystemHandler } from './file-io.js';

function isHttp(source: string | URL): boolean {
  const text = String(source);
  return text.startsWith('http://') || text.startsWith('https://');
}

/**
 * Loads a PRNet model in Node from a model.json path or `file://` URL (filesystem), or an
 * http(s) URL (tfjs's HTTP loader). Errors are `ModelLoadError`s naming the file.
 * Option `compile` (default true) as in `loadPrnetNetwork`.
 */
export function loadPrnetNetworkFromFile(
  pathOrUrl: string | URL,
  options: PrnetNetworkOptions = {},
): Promise<PrnetNetwork> {
  return loadPrnetNetwork(pathOrUrl, {
    ...options,
    resolveHandler: (source) => (isHttp(source) ? undefined : fileSystemHandler(source)),
  });
}

/**
 * Saves a PRNet network as `path` (model.json) plus `<name>.weights.bin` beside it, creating
 * the folder. Option `float16` halves the weight file.
 */
export function savePrnetNetworkToFile(
  network: PrnetNetwork,
  path: string | URL,
  options: SavePrnetNetworkOptions = {},
): Promise<io.SaveResult> {
  return savePrnetNetwork(network, fileSystemHandler(path), options);
}

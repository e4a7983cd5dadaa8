import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ModelLoadError } from '../errors.js';
import { registerPrnetLayers } from './coordinate-channels.js';
import { toFloat16Artifacts, weightDataBytes } from './float16.js';
import { METADATA_KEY, validateMetadata } from './metadata.js';
import { wrapPrnetNetwork, type PrnetNetwork, type PrnetNetworkOptions } from './network.js';

/** Options of {@link loadPrnetNetwork}. */
export interface LoadPrnetNetworkOptions extends PrnetNetworkOptions {
  /**
   * Maps a string/URL source to an IOHandler (e.g. the Node filesystem handler); returning
   * undefined falls back to tfjs's HTTP loader (`tf.io.http`). Default: always HTTP.
   */
  resolveHandler?: (source: string | URL) => tf.io.IOHandler | undefined;
}

/** Options of {@link savePrnetNetwork}. */
export interface SavePrnetNetworkOptions {
  /** Store float32 weights as float16 (half the file; outputs move by well under 0.01 px). Default false. */
  float16?: boolean;
}

function isHandler(value: unknown): value is tf.io.IOHandler {
  return typeof value === 'object' && value !== null && !(value instanceof URL) && ('load' in value || 'save' in value);
}

function describe(source: string | URL | tf.io.IOHandler): string {
  return isHandler(source) ? 'the given IOHandler' : String(source);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Rethrows `error` as a ModelLoadError whose message names `where`. */
function asLoadError(error: unknown, where: string, what: string): ModelLoadError {
  if (error instanceof ModelLoadError && error.message.includes(where)) return error;
  return new ModelLoadError(`${what} ${where}: ${messageOf(error)}`, { cause: error });
}

/**
 * Loads a PRNet model (a tfjs layers-model model.json with `userDefinedMetadata.prnet`, see
 * `metadata.ts`) from a URL/path string or an IOHandler. Every failure is a `ModelLoadError`
 * naming the source: missing or unreadable files, corrupt JSON, truncated weights, a model
 * that is not a PRNet model, or input/output shapes that disagree with the metadata.
 * Options: `compile` (default true: predict through a frozen, BatchNorm-folded inference plan),
 * `resolveHandler`.
 */
export async function loadPrnetNetwork(
  source: string | URL | tf.io.IOHandler,
  options: LoadPrnetNetworkOptions = {},
): Promise<PrnetNetwork> {
  const where = describe(source);
  let handler: tf.io.IOHandler;
  if (isHandler(source)) {
    handler = source;
  } else {
    try {
      handler = options.resolveHandler?.(source) ?? tf.io.http(String(source));
    } catch (error) {
      throw asLoadError(error, where, 'cannot open PRNet model');
    }
  }
  if (!handler.load) throw new ModelLoadError(`cannot load PRNet model from ${where}: the IOHandler has no load()`);

  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (error) {
    throw asLoadError(error, where, 'cannot load PRNet model');
  }
  if (!artifacts || typeof artifacts.modelTopology !== 'object' || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelLoadError(`${where} is not a tfjs layers model (no JSON modelTopology)`);
  }
  const metadata = validateMetadata(
    (artifacts.userDefinedMetadata as Record<string, unknown> | undefined)?.[METADATA_KEY],
    where,
  );
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData === undefined ? undefined : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const expected = weightDataBytes(specs);
  if (expected !== undefined && (data?.byteLength ?? 0) !== expected) {
    throw new ModelLoadError(
      `weights of ${where} hold ${data?.byteLength ?? 0} bytes but the manifest needs ${expected} (truncated or mismatched file)`,
    );
  }

  let model: tfl.LayersModel;
  registerPrnetLayers();
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory({ ...artifacts, weightSpecs: specs, weightData: data }));
  } catch (error) {
    throw asLoadError(error, where, 'cannot build PRNet model from');
  }
  try {
    return wrapPrnetNetwork(model, metadata, { compile: options.compile ?? true });
  } catch (error) {
    model.dispose();
    throw asLoadError(error, where, 'PRNet model does not match its metadata:');
  }
}

/**
 * Saves a PRNet network (topology, weights, and `metadata` as `userDefinedMetadata.prnet`) to
 * an IOHandler or a tfjs save URL (`localstorage://`, `indexeddb://`, `downloads://`, http(s)
 * POST). Option `float16` halves the weight file. Throws `InvalidArgumentError` for a URL no
 * tfjs save handler accepts and `ModelLoadError` when the handler fails.
 */
export async function savePrnetNetwork(
  network: PrnetNetwork,
  destination: string | tf.io.IOHandler,
  options: SavePrnetNetworkOptions = {},
): Promise<tf.io.SaveResult> {
  const where = describe(destination);
  let handler: tf.io.IOHandler;
  if (isHandler(destination)) {
    handler = destination;
  } else {
    const handlers = tf.io.getSaveHandlers(destination);
    if (handlers.length === 0) throw new InvalidArgumentError(`no tfjs save handler accepts ${destination}`);
    handler = handlers[0];
  }
  const save = handler.save;
  if (!save) throw new InvalidArgumentError(`cannot save to ${where}: the IOHandler has no save()`);
  const target: tf.io.IOHandler = {
    save: (artifacts) => save.call(handler, options.float16 ? toFloat16Artifacts(artifacts) : artifacts),
  };
  const model = network.model;
  const previous = (model.getUserDefinedMetadata() ?? {}) as Record<string, unknown>;
  model.setUserDefinedMetadata({ ...previous, [METADATA_KEY]: network.metadata });
  try {
    return await model.save(target);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw asLoadError(error, where, 'cannot save PRNet model to');
  }
}

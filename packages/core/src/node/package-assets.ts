import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

function moduleDir(): string {
  // tsup's `shims` provides import.meta.url in CJS output; vitest runs the ESM source.
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The root folder of the installed `@prnet/core` package (the folder with its package.json),
 * found by walking up from this module, so it works from `src/` (tests) and `dist/` (built).
 */
export function corePackageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = moduleDir();
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
      if (name === '@prnet/core') {
        cachedRoot = dir;
        return dir;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot locate the @prnet/core package root');
    dir = parent;
  }
}

/** Absolute path of a file under the package's `assets/` folder. */
export function coreAssetPath(...segments: string[]): string {
  return join(corePackageRoot(), 'assets', ...segments);
}

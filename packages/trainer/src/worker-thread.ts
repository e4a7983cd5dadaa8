import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Where a worker thread's code lives, for {@link startModuleWorker}. */
export interface ModuleWorkerSpec {
  /** `import.meta.url` of the calling module: the files below are looked up next to it. */
  readonly here: string;
  /** Built entry files to try, in order (e.g. the tsup entry `data-worker.js`). */
  readonly builtEntries: readonly string[];
  /** From TypeScript sources (vitest, tsx): the module to load through tsx's loader, and the export it runs. */
  readonly sourceModule: string;
  readonly sourceExport: string;
  /** The caller's typed error: `what` says what failed; `cause` is set when tsx could not be found. */
  readonly error: (what: 'no-tsx' | 'no-entry', cause?: unknown) => Error;
}

/**
 * Starts a worker thread running one of the trainer's worker modules: a built entry found next to
 * the caller (in `dist/`), or — when the caller runs from TypeScript sources — the source module
 * loaded through tsx's ESM loader.
 */
export function startModuleWorker(spec: ModuleWorkerSpec, workerData: unknown): Worker {
  const { here } = spec;
  if (here.endsWith('.ts')) {
    let api: string;
    try {
      api = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.c?js$/, '.mjs')).href;
    } catch (error) {
      throw spec.error('no-tsx', error);
    }
    const module = new URL(spec.sourceModule, here).href;
    const code = `const { register } = await import(${JSON.stringify(api)}); register();
const m = await import(${JSON.stringify(module)}); m[${JSON.stringify(spec.sourceExport)}]();`;
    return new Worker(code, { eval: true, workerData, type: 'module' } as ConstructorParameters<typeof Worker>[1]);
  }
  for (const name of spec.builtEntries) {
    const url = new URL(`./${name}`, here);
    if (existsSync(fileURLToPath(url))) return new Worker(url, { workerData });
  }
  throw spec.error('no-entry');
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeUvLayout } from '@prnet/core';
import { loadIctModel } from '../ict/ict-model.js';
import { buildUvLayout } from './build-uv-layout.js';

/** Options of `writeUvLayoutAssets`. */
export interface WriteUvLayoutAssetsOptions {
  /** Resolutions to build, e.g. [128, 256]. */
  resolutions: readonly number[];
  /** Folder that receives `uv-layout-<R>.bin` (created if missing). */
  outDir: string;
  /** Shared data folder holding `ict-face-model/` (default: `findSharedDataDir()`). */
  dataDir?: string;
}

/** What `writeUvLayoutAssets` wrote for one resolution. */
export interface UvLayoutAssetStats {
  resolution: number;
  path: string;
  /** Mask pixels = dense vertices. */
  maskPixels: number;
  triangles: number;
  bytes: number;
}

/** Builds the UV layouts of the ICT face model and writes them as binary assets. */
export function writeUvLayoutAssets(options: WriteUvLayoutAssetsOptions): UvLayoutAssetStats[] {
  const model = loadIctModel(options.dataDir ? join(options.dataDir, 'ict-face-model') : undefined);
  mkdirSync(options.outDir, { recursive: true });
  return options.resolutions.map((resolution) => {
    const layout = buildUvLayout(model, resolution);
    const bytes = encodeUvLayout(layout);
    const path = join(options.outDir, `uv-layout-${resolution}.bin`);
    writeFileSync(path, bytes);
    return {
      resolution,
      path,
      maskPixels: layout.vertexPixels.length,
      triangles: layout.triangles.length / 3,
      bytes: bytes.byteLength,
    };
  });
}

const USAGE = `usage: tsx packages/trainer/src/uv-layout/tool.ts [--resolution R]... [--out DIR] [--data DIR]
  --resolution R  resolution to build (repeatable; default 128 and 256)
  --out DIR       output folder (default: packages/core/assets)
  --data DIR      shared data folder holding ict-face-model/ (default: ../shared/data)`;

/** CLI entry: builds the assets and prints their stats. */
export function main(argv: readonly string[]): void {
  const resolutions: number[] = [];
  let outDir: string | undefined;
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--resolution') resolutions.push(Number(argv[++i]));
    else if (arg === '--out') outDir = argv[++i];
    else if (arg === '--data') dataDir = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return;
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const defaultOut = resolve(fileURLToPath(import.meta.url), '../../../../core/assets');
  const stats = writeUvLayoutAssets({
    resolutions: resolutions.length ? resolutions : [128, 256],
    outDir: outDir ?? defaultOut,
    dataDir,
  });
  for (const s of stats) {
    console.log(
      `R=${s.resolution}: ${s.maskPixels} mask pixels, ${s.triangles} triangles, ${s.bytes} bytes -> ${s.path}`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}

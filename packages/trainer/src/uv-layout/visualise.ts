import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import type { UvLayout } from '@prnet/core';

/** Colours (RGB) of the region labels 0..5: outside, face, eye (image left), eye (image right), nose, mouth. */
const REGION_COLOURS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0],
  [110, 110, 110],
  [40, 120, 255],
  [40, 220, 255],
  [60, 200, 60],
  [230, 60, 60],
];

/** Options of `writeUvLayoutPngs`. */
export interface UvLayoutPngOptions {
  /** Upscaling factor of `triangles.png` (grid triangles filled white, slits stay black). Default 4. */
  triangleScale?: number;
}

function savePng(path: string, width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      const o = (y * width + x) * 4;
      png.data[o] = r;
      png.data[o + 1] = g;
      png.data[o + 2] = b;
      png.data[o + 3] = 255;
    }
  }
  writeFileSync(path, PNG.sync.write(png));
}

/**
 * Writes PNGs of a layout into `outDir` for visual checks: `mask.png`, `regions.png` (landmark
 * pixels white), `weights.png` (weight/16 as grey), `mean-face.png` (x, y, z normalised to RGB) and
 * `triangles.png` (the grid triangulation filled white at `triangleScale`×, so open slits show black).
 * Returns the written paths.
 */
export function writeUvLayoutPngs(layout: UvLayout, outDir: string, options: UvLayoutPngOptions = {}): string[] {
  mkdirSync(outDir, { recursive: true });
  const R = layout.resolution;
  const written: string[] = [];
  const out = (name: string): string => {
    const path = join(outDir, name);
    written.push(path);
    return path;
  };
  const landmark = new Set(layout.landmarkPixels);

  savePng(out('mask.png'), R, R, (x, y) => (layout.mask[y * R + x] ? [255, 255, 255] : [0, 0, 0]));
  savePng(out('regions.png'), R, R, (x, y) => {
    const p = y * R + x;
    if (landmark.has(p)) return [255, 255, 255];
    const colour = REGION_COLOURS[layout.regions[p]] ?? [255, 0, 255];
    return [colour[0], colour[1], colour[2]];
  });
  savePng(out('weights.png'), R, R, (x, y) => {
    const g = Math.round((layout.weightMask[y * R + x] / 16) * 255);
    return [g, g, g];
  });

  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const p of layout.vertexPixels) {
    for (let j = 0; j < 3; j++) {
      lo[j] = Math.min(lo[j], layout.meanFace[p * 3 + j]);
      hi[j] = Math.max(hi[j], layout.meanFace[p * 3 + j]);
    }
  }
  savePng(out('mean-face.png'), R, R, (x, y) => {
    const p = y * R + x;
    if (!layout.mask[p]) return [0, 0, 0];
    const c = [0, 1, 2].map((j) => Math.round(((layout.meanFace[p * 3 + j] - lo[j]) / (hi[j] - lo[j] || 1)) * 255));
    return [c[0], c[1], c[2]];
  });

  // Grid triangles filled at scale s, corners at pixel centres.
  const s = options.triangleScale ?? 4;
  const W = R * s;
  const fill = new Uint8Array(W * W);
  const { triangles, vertexPixels } = layout;
  for (let t = 0; t < triangles.length; t += 3) {
    const xs = [0, 1, 2].map((j) => ((vertexPixels[triangles[t + j]] % R) + 0.5) * s);
    const ys = [0, 1, 2].map((j) => (Math.floor(vertexPixels[triangles[t + j]] / R) + 0.5) * s);
    const area = (xs[1] - xs[0]) * (ys[2] - ys[0]) - (xs[2] - xs[0]) * (ys[1] - ys[0]);
    for (let y = Math.floor(Math.min(...ys)); y <= Math.ceil(Math.max(...ys)) && y < W; y++) {
      for (let x = Math.floor(Math.min(...xs)); x <= Math.ceil(Math.max(...xs)) && x < W; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        const w0 = ((xs[1] - px) * (ys[2] - py) - (xs[2] - px) * (ys[1] - py)) / area;
        const w1 = ((xs[2] - px) * (ys[0] - py) - (xs[0] - px) * (ys[2] - py)) / area;
        if (w0 >= 0 && w1 >= 0 && w0 + w1 <= 1) fill[y * W + x] = 1;
      }
    }
  }
  savePng(out('triangles.png'), W, W, (x, y) => {
    const p = Math.floor(y / s) * R + Math.floor(x / s);
    if (fill[y * W + x]) return landmark.has(p) ? [255, 80, 80] : [255, 255, 255];
    return layout.mask[p] ? [90, 0, 0] : [0, 0, 0];
  });
  return written;
}

/** CLI: `npx tsx packages/trainer/src/uv-layout/visualise.ts [--resolution 256] [--out /tmp/uv-layout-png]`. */
async function main(argv: string[]): Promise<void> {
  const { loadDefaultUvLayout } = await import('@prnet/core/node');
  let resolution = 256;
  let outDir = '/tmp/uv-layout-png';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--resolution') resolution = Number(argv[++i]);
    else if (argv[i] === '--out') outDir = argv[++i];
  }
  const layout = loadDefaultUvLayout(resolution);
  for (const path of writeUvLayoutPngs(layout, join(outDir, String(resolution)))) console.log(path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/**
 * Builds `assets/arkit-basis-128.bin`: the ICT Face Model's ARKit expression shapes sampled at
 * UV pixels of the shipped 128² layout (every mask pixel on even rows and columns, plus every
 * eye and mouth pixel). Needs the ICT data (`../shared/data/ict-face-model` or $PRNET_DATA_DIR).
 *
 *   npx tsx scripts/build-basis.ts [--out assets/arkit-basis-128.bin]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { decodeUvLayout, REGION } from '@prnet/core';
import { buildIctMesh, loadIctModel } from '../../trainer/src/ict/ict-model.js';
import { createUvRasteriser } from '../../trainer/src/uv-layout/uv-rasteriser.js';
import { ARKIT_BLENDSHAPES, type ArkitBlendshape } from '../src/arkit.js';
import { encodeBlendshapeBasis } from '../src/blendshape-basis.js';
import { ictShapesFor } from './ict-arkit.js';

const here = dirname(fileURLToPath(import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : join(here, '..', 'assets', 'arkit-basis-128.bin');

const require = createRequire(import.meta.url);
const layoutPath = join(dirname(require.resolve('@prnet/core/package.json')), 'assets', 'uv-layout-128.bin');
const layout = decodeUvLayout(new Uint8Array(readFileSync(layoutPath)));
const R = layout.resolution;
const model = loadIctModel();
const raster = createUvRasteriser(model, R);

const pixels: number[] = [];
for (let p = 0; p < R * R; p++) {
  if (!layout.mask[p]) continue;
  const r = Math.floor(p / R);
  const c = p % R;
  const region = layout.regions[p];
  const detailed = region === REGION.EYE_IMAGE_LEFT || region === REGION.EYE_IMAGE_RIGHT || region === REGION.MOUTH;
  if (detailed || (r % 2 === 0 && c % 2 === 0)) pixels.push(p);
}
const P = pixels.length;
const neutral = raster.positionMap(buildIctMesh(model));
const names: ArkitBlendshape[] = [];
const columns: Float32Array[] = [];
for (const name of ARKIT_BLENDSHAPES) {
  const shapes = ictShapesFor(name);
  if (!shapes) continue;
  const expression = Object.fromEntries(shapes.map((s) => [s, 1]));
  const map = raster.positionMap(buildIctMesh(model, { expression }));
  const column = new Float32Array(P * 3);
  pixels.forEach((p, k) => {
    for (let a = 0; a < 3; a++) column[k * 3 + a] = map[p * 3 + a] - neutral[p * 3 + a];
  });
  names.push(name);
  columns.push(column);
}
const deltas = new Float32Array(names.length * P * 3);
columns.forEach((c, s) => deltas.set(c, s * P * 3));
let maxAbs = 0;
for (const d of deltas) maxAbs = Math.max(maxAbs, Math.abs(d));
const bytes = encodeBlendshapeBasis({ resolution: R, names, pixels: Uint32Array.from(pixels), deltas });
writeFileSync(out, bytes);
console.log(`${out}: ${names.length} shapes × ${P} points, max |delta| ${maxAbs.toFixed(3)} cm, ${bytes.length} bytes`);

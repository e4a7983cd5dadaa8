import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGION, assembleUvLayout, decodeUvLayout } from '@prnet/core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { findSharedDataDir } from '../ict/ict-model.js';
import { writeUvLayoutAssets } from './tool.js';
import { writeUvLayoutPngs } from './visualise.js';

const dataDir = findSharedDataDir();
if (!dataDir) console.warn('writeUvLayoutAssets test skipped: ../shared/data (ICT face model) not found');
const outDir = mkdtempSync(join(tmpdir(), 'uv-layout-tool-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('writeUvLayoutPngs', () => {
  it('writes the five diagnostic images at the layout resolution', () => {
    const R = 4;
    const regions = new Uint8Array(R * R);
    for (let p = 0; p < 8; p++) regions[p] = p === 5 ? REGION.NOSE : REGION.FACE;
    const cellTriangles = new Uint8Array(9);
    cellTriangles[0] = 0b0110;
    cellTriangles[1] = 0b0110;
    const layout = assembleUvLayout({
      resolution: R,
      regions,
      landmarkPixels: Uint32Array.from([2]),
      cellTriangles,
      meanFaceValues: Float32Array.from({ length: 24 }, (_, i) => i),
    });
    const paths = writeUvLayoutPngs(layout, join(outDir, 'png'), { triangleScale: 2 });
    expect(paths.map((p) => p.split(/[\\/]/).pop())).toEqual([
      'mask.png',
      'regions.png',
      'weights.png',
      'mean-face.png',
      'triangles.png',
    ]);
    const mask = PNG.sync.read(readFileSync(paths[0]));
    expect([mask.width, mask.height]).toEqual([4, 4]);
    expect(mask.data[0]).toBe(255); // pixel 0 in the mask
    expect(mask.data[8 * 4]).toBe(0); // pixel 8 outside
    const triangles = PNG.sync.read(readFileSync(paths[4]));
    expect([triangles.width, triangles.height]).toEqual([8, 8]);
  });
});

describe.skipIf(!dataDir)('writeUvLayoutAssets (ICT face model)', () => {
  it('writes a decodable 128 asset and reports its stats', () => {
    const [stats] = writeUvLayoutAssets({ resolutions: [128], outDir, dataDir });
    expect(stats.path).toBe(join(outDir, 'uv-layout-128.bin'));
    const bytes = readFileSync(stats.path);
    expect(bytes.byteLength).toBe(stats.bytes);
    const layout = decodeUvLayout(bytes);
    expect(layout.resolution).toBe(128);
    expect(layout.vertexPixels.length).toBe(stats.maskPixels);
    expect(layout.triangles.length / 3).toBe(stats.triangles);
    expect(stats.maskPixels).toBeGreaterThan(15_000);
    expect(stats.bytes).toBeLessThan(300_000);
  });
});

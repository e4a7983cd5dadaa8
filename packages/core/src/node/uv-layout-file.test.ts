import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidLayoutError } from '../errors.js';
import { REGION, WEIGHT } from '../uv/layout.js';
import { assembleUvLayout, encodeUvLayout } from '../uv/layout-codec.js';
import { defaultUvLayoutPath, loadDefaultUvLayout, readUvLayoutFile } from './uv-layout-file.js';

const dir = mkdtempSync(join(tmpdir(), 'uv-layout-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 4×4 layout: a 3×3 face block with one landmark and a mouth pixel. */
function tinyLayoutBytes(): Uint8Array {
  const R = 4;
  const regions = new Uint8Array(R * R);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) regions[r * R + c] = REGION.FACE;
  regions[5] = REGION.MOUTH;
  const cellTriangles = new Uint8Array(9);
  cellTriangles[0] = 0b0110;
  cellTriangles[4] = 0b1001;
  const meanFaceValues = Float32Array.from({ length: 27 }, (_, i) => i / 4);
  return encodeUvLayout(
    assembleUvLayout({ resolution: R, regions, landmarkPixels: Uint32Array.from([4]), cellTriangles, meanFaceValues }),
  );
}

describe('readUvLayoutFile', () => {
  it('reads a layout from a path or a file URL', () => {
    const path = join(dir, 'tiny.bin');
    writeFileSync(path, tinyLayoutBytes());
    const layout = readUvLayoutFile(path);
    expect(layout.resolution).toBe(4);
    expect(layout.vertexPixels.length).toBe(9);
    expect(layout.triangles.length).toBe(12);
    expect(layout.weightMask[4]).toBe(WEIGHT.LANDMARK);
    expect(layout.weightMask[5]).toBe(WEIGHT.EYES_NOSE_MOUTH);
    expect(Array.from(readUvLayoutFile(pathToFileURL(path)).meanFace)).toEqual(Array.from(layout.meanFace));
    expect(Array.from(readUvLayoutFile(`file://${path}`).triangles)).toEqual(Array.from(layout.triangles));
  });

  it('names the file in typed errors for missing and corrupt files', () => {
    const missing = join(dir, 'missing.bin');
    expect(() => readUvLayoutFile(missing)).toThrow(InvalidLayoutError);
    expect(() => readUvLayoutFile(missing)).toThrow(/not found: .*missing\.bin/);
    const corrupt = join(dir, 'corrupt.bin');
    const bytes = tinyLayoutBytes();
    writeFileSync(corrupt, bytes.subarray(0, bytes.length - 8));
    expect(() => readUvLayoutFile(corrupt)).toThrow(/corrupt\.bin: UV layout is truncated/);
  });
});

describe('loadDefaultUvLayout (shipped assets)', () => {
  it.each([128, 256])('decodes assets/uv-layout-%i.bin quickly and caches it', (R) => {
    const start = performance.now();
    const layout = loadDefaultUvLayout(R);
    const ms = performance.now() - start;
    console.log(`decode uv-layout-${R}.bin: ${ms.toFixed(1)} ms`);
    expect(layout.resolution).toBe(R);
    const expectedMask = (62_000 * R * R) / (256 * 256);
    expect(layout.vertexPixels.length).toBeGreaterThan(expectedMask * 0.97);
    expect(layout.vertexPixels.length).toBeLessThan(expectedMask * 1.03);
    expect(layout.landmarkPixels.length).toBe(68);
    expect(layout.triangles.length / 3).toBeGreaterThan(1.9 * layout.vertexPixels.length);
    expect(loadDefaultUvLayout(R)).toBe(layout);
    expect(defaultUvLayoutPath(R)).toMatch(new RegExp(`assets[\\\\/]uv-layout-${R}\\.bin$`));
  });

  it('has a mean face that winds counter-clockwise seen from the front and is centred', () => {
    const layout = loadDefaultUvLayout(256);
    const pm = layout.meanFace;
    let nz = 0;
    let area = 0;
    const { triangles, vertexPixels } = layout;
    for (let t = 0; t < triangles.length; t += 3) {
      const [a, b, c] = [0, 1, 2].map((j) => vertexPixels[triangles[t + j]] * 3);
      const e1 = [pm[b] - pm[a], pm[b + 1] - pm[a + 1], pm[b + 2] - pm[a + 2]];
      const e2 = [pm[c] - pm[a], pm[c + 1] - pm[a + 1], pm[c + 2] - pm[a + 2]];
      const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
      nz += n[2];
      area += Math.hypot(n[0], n[1], n[2]);
    }
    // Area-weighted mean normal points towards +z (out of the face) for a CCW-from-front mesh.
    expect(nz / area).toBeGreaterThan(0.3); // measured 0.44 (the face area wraps round to the ears and under the chin)
    // Nose tip (landmark 30) in front of the eye corners (36, 45); eye 36 on the viewer's left.
    const lm = (k: number, j: number): number => pm[layout.landmarkPixels[k] * 3 + j];
    expect(lm(30, 2)).toBeGreaterThan(lm(36, 2) + 1);
    expect(lm(36, 0)).toBeLessThan(0);
    expect(lm(45, 0)).toBeGreaterThan(0);
    expect(lm(8, 1)).toBeLessThan(lm(27, 1)); // chin below the nose bridge (y up)
  });

  it('rejects resolutions without an asset', () => {
    expect(() => loadDefaultUvLayout(64)).toThrow(InvalidArgumentError);
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidLayoutError } from '../errors.js';
import { REGION, WEIGHT, type UvLayout } from './layout.js';
import {
  CELL_TRIANGLES,
  UV_LAYOUT_VERSION,
  assembleUvLayout,
  cellTrianglesOf,
  decodeUvLayout,
  encodeUvLayout,
  loadUvLayout,
  uvLayoutCrc32,
  type UvLayoutParts,
} from './layout-codec.js';

/**
 * A hand-made 6×6 layout: a 4×4 block of mask pixels (rows/cols 1–4) plus pixel (5, 1), with a
 * one-row "slit" between rows 2 and 3 at columns 3–4 left untriangulated.
 */
function smallParts(): UvLayoutParts {
  const R = 6;
  const regions = new Uint8Array(R * R);
  for (let r = 1; r <= 4; r++) for (let c = 1; c <= 4; c++) regions[r * R + c] = REGION.FACE;
  regions[2 * R + 2] = REGION.EYE_IMAGE_LEFT;
  regions[3 * R + 3] = REGION.MOUTH;
  regions[5 * R + 1] = REGION.NOSE;
  const cells = R - 1;
  const cellTriangles = new Uint8Array(cells * cells);
  for (let r = 1; r <= 3; r++) {
    for (let c = 1; c <= 3; c++) cellTriangles[r * cells + c] = 0b0110; // diagonal A–D
  }
  cellTriangles[2 * cells + 3] = 0; // the slit
  cellTriangles[1 * cells + 1] = 0b1001; // diagonal B–C
  cellTriangles[4 * cells + 1] = 0b1000; // 3 corners A (4,1), B (4,2), C (5,1): omit D → A, C, B
  let n = 0;
  for (const region of regions) if (region) n++;
  const meanFaceValues = new Float32Array(n * 3);
  for (let i = 0; i < meanFaceValues.length; i++) meanFaceValues[i] = Math.fround(Math.sin(i) * 7.25);
  return { resolution: R, regions, landmarkPixels: Uint32Array.from([7, 22, 27]), cellTriangles, meanFaceValues };
}

function smallLayout(): UvLayout {
  return assembleUvLayout(smallParts());
}

function expectLayoutsEqual(a: UvLayout, b: UvLayout): void {
  expect(a.resolution).toBe(b.resolution);
  for (const field of ['mask', 'vertexPixels', 'triangles', 'landmarkPixels', 'weightMask', 'regions', 'meanFace'] as const) {
    expect(Array.from(a[field]), field).toEqual(Array.from(b[field]));
    expect(a[field].constructor, field).toBe(b[field].constructor);
  }
}

/** Rewrites the checksum so that a deliberately edited payload passes the CRC check. */
function fixCrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(20, uvLayoutCrc32(bytes, 24, bytes.length), true);
  return bytes;
}

function expectInvalid(bytes: Uint8Array, message: RegExp): void {
  let error: unknown;
  try {
    decodeUvLayout(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidLayoutError);
  expect((error as InvalidLayoutError).code).toBe('INVALID_LAYOUT');
  expect((error as Error).message).toMatch(message);
}

describe('CELL_TRIANGLES', () => {
  it('lists each triangle counter-clockwise in (u, v) and omitting its own corner', () => {
    // Corner k at (u, v) = (col, −row): A (0, 0), B (1, 0), C (0, −1), D (1, −1).
    const u = [0, 1, 0, 1];
    const v = [0, 0, -1, -1];
    CELL_TRIANGLES.forEach((tri, k) => {
      expect(tri).not.toContain(k);
      const [a, b, c] = tri;
      const area = (u[b] - u[a]) * (v[c] - v[a]) - (u[c] - u[a]) * (v[b] - v[a]);
      expect(area).toBe(1);
    });
  });
});

describe('assembleUvLayout', () => {
  it('derives mask, dense vertices, triangles, weights and the full mean face', () => {
    const layout = smallLayout();
    const R = 6;
    expect(layout.vertexPixels.length).toBe(17);
    expect(Array.from(layout.vertexPixels.slice(0, 5))).toEqual([7, 8, 9, 10, 13]);
    expect(layout.mask[7]).toBe(1);
    expect(layout.mask[0]).toBe(0);
    // Weights: 16 at landmarks, 4 eye/nose/mouth, 3 face, 0 outside.
    expect(layout.weightMask[7]).toBe(WEIGHT.LANDMARK);
    expect(layout.weightMask[2 * R + 2]).toBe(WEIGHT.EYES_NOSE_MOUTH);
    expect(layout.weightMask[5 * R + 1]).toBe(WEIGHT.EYES_NOSE_MOUTH);
    expect(layout.weightMask[2 * R + 3]).toBe(WEIGHT.FACE);
    expect(layout.weightMask[0]).toBe(WEIGHT.OUTSIDE);
    // 9 full cells × 2 − the slit cell + 1 three-corner cell: 8 × 2 + 1 = 17.
    expect(layout.triangles.length / 3).toBe(17);
    // First cell (1, 1) uses diagonal B–C: omit A = (B, C, D) then omit D = (A, C, B).
    const px = (t: number, j: number): number => layout.vertexPixels[layout.triangles[t * 3 + j]];
    expect([px(0, 0), px(0, 1), px(0, 2)]).toEqual([8, 13, 14]);
    expect([px(1, 0), px(1, 1), px(1, 2)]).toEqual([7, 13, 8]);
    // Mean face: values at mask pixels in ascending order, zero outside.
    expect(layout.meanFace[7 * 3 + 1]).toBe(Math.fround(Math.sin(1) * 7.25));
    expect(layout.meanFace[0]).toBe(0);
  });

  it('rejects inconsistent parts', () => {
    const base = smallParts();
    const cells = base.resolution - 1;
    const bad = (patch: Partial<UvLayoutParts>): (() => UvLayout) => () => assembleUvLayout({ ...base, ...patch });
    expect(bad({ landmarkPixels: Uint32Array.from([0]) })).toThrow(InvalidLayoutError); // outside the mask
    expect(bad({ landmarkPixels: Uint32Array.from([7, 7]) })).toThrow(/repeats/);
    expect(bad({ landmarkPixels: Uint32Array.from([99]) })).toThrow(InvalidLayoutError);
    const overlapping = base.cellTriangles.slice();
    overlapping[cells + 1] = 0b0011;
    expect(bad({ cellTriangles: overlapping })).toThrow(/overlapping/);
    const outside = base.cellTriangles.slice();
    outside[0] = 0b0110;
    expect(bad({ cellTriangles: outside })).toThrow(/outside the mask/);
    expect(bad({ meanFaceValues: new Float32Array(3) })).toThrow(InvalidLayoutError);
    const nan = base.meanFaceValues.slice();
    nan[4] = Number.NaN;
    expect(bad({ meanFaceValues: nan })).toThrow(/finite/);
    const regions = base.regions.slice();
    regions[0] = 9;
    expect(bad({ regions })).toThrow(/out of range/);
  });
});

describe('encodeUvLayout / decodeUvLayout', () => {
  it('round-trips exactly, with the documented header', () => {
    const layout = smallLayout();
    const bytes = encodeUvLayout(layout);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('PRUV');
    const view = new DataView(bytes.buffer);
    expect(view.getUint16(4, true)).toBe(UV_LAYOUT_VERSION);
    expect(view.getUint16(6, true)).toBe(6);
    expect(view.getUint32(8, true)).toBe(17);
    expect(view.getUint32(12, true)).toBe(17);
    expect(view.getUint32(16, true)).toBe(3);
    expect(bytes.length).toBe(24 + 36 + 3 * 4 + Math.ceil(25 / 2) + 17 * 12);
    expectLayoutsEqual(decodeUvLayout(bytes), layout);
    // From an ArrayBuffer and from a Uint8Array view at an odd offset.
    expectLayoutsEqual(decodeUvLayout(bytes.slice().buffer), layout);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expectLayoutsEqual(decodeUvLayout(shifted.subarray(3)), layout);
    // Re-encoding the decoded layout gives the same bytes.
    expect(Array.from(encodeUvLayout(decodeUvLayout(bytes)))).toEqual(Array.from(bytes));
  });

  it('recovers the cell bits from the triangles', () => {
    const parts = smallParts();
    expect(Array.from(cellTrianglesOf(assembleUvLayout(parts)))).toEqual(Array.from(parts.cellTriangles));
  });

  it('refuses to encode a layout its own decoder could not reproduce', () => {
    const layout = smallLayout();
    const weights = layout.weightMask.slice();
    weights[8] = 5;
    expect(() => encodeUvLayout({ ...layout, weightMask: weights })).toThrow(/weightMask/);
    const reversed = layout.triangles.slice();
    [reversed[0], reversed[1]] = [reversed[1], reversed[0]];
    expect(() => encodeUvLayout({ ...layout, triangles: reversed })).toThrow(/canonical/);
    const stray = layout.meanFace.slice();
    stray[0] = 1;
    expect(() => encodeUvLayout({ ...layout, meanFace: stray })).toThrow(/meanFace/);
  });

  it('throws InvalidLayoutError on bad magic, version, truncation, corruption and bad indices', () => {
    const good = encodeUvLayout(smallLayout());
    const copy = (): Uint8Array => good.slice();

    const magic = copy();
    magic[0] = 0x50 + 1;
    expectInvalid(magic, /magic/);
    expectInvalid(new Uint8Array(10), /truncated/);
    expectInvalid(good.subarray(0, good.length - 1), /truncated/);
    expectInvalid(good.subarray(0, 24), /truncated/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expectInvalid(longer, /trailing/);

    const version = copy();
    new DataView(version.buffer).setUint16(4, 2, true);
    expectInvalid(version, /version 2/);

    const flipped = copy();
    flipped[good.length - 5] ^= 0x40;
    expectInvalid(flipped, /checksum/);

    // Valid checksums over invalid content.
    const landmarkOffset = 24 + 36;
    const landmark = copy();
    new DataView(landmark.buffer).setUint32(landmarkOffset, 1000, true);
    expectInvalid(fixCrc(landmark), /landmark 0 pixel 1000/);
    const region = copy();
    region[24] = 200;
    expectInvalid(fixCrc(region), /region label/);
    const count = copy();
    new DataView(count.buffer).setUint32(12, 16, true);
    expectInvalid(fixCrc(count), /16 triangles/);
    const cell = copy();
    cell[landmarkOffset + 12] = 0x06; // cell 0 (outside the mask) gets a triangle
    expectInvalid(fixCrc(cell), /outside the mask/);
  });
});

describe('loadUvLayout', () => {
  it('decodes bytes directly and fetches URLs through the given fetch', async () => {
    const layout = smallLayout();
    const bytes = encodeUvLayout(layout);
    expectLayoutsEqual(await loadUvLayout(bytes), layout);
    const requested: string[] = [];
    const fakeFetch = (async (input: RequestInfo | URL) => {
      requested.push(String(input));
      return String(input).endsWith('missing.bin')
        ? new Response('nope', { status: 404 })
        : new Response(bytes.slice(), { status: 200 });
    }) as typeof fetch;
    expectLayoutsEqual(await loadUvLayout('https://example.test/uv-layout-6.bin', fakeFetch), layout);
    expect(requested).toEqual(['https://example.test/uv-layout-6.bin']);
    await expect(loadUvLayout(new URL('https://example.test/missing.bin'), fakeFetch)).rejects.toThrow(/HTTP 404/);
    const failing = (async () => {
      throw new TypeError('network down');
    }) as typeof fetch;
    await expect(loadUvLayout('https://example.test/x.bin', failing)).rejects.toBeInstanceOf(InvalidLayoutError);
    await expect(loadUvLayout('https://example.test/x.bin', null as unknown as typeof fetch)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

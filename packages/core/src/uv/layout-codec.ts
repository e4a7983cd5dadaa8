/**
 * The binary UV layout asset (`assets/uv-layout-<R>.bin`): encoder, decoder and browser loader.
 *
 * Only what cannot be derived cheaply is stored; the rest is rebuilt at decode in a few ms.
 * Little-endian, version 1:
 *
 * | offset | type | field |
 * | --- | --- | --- |
 * | 0 | 4 × u8 | magic `PRUV` |
 * | 4 | u16 | format version (1) |
 * | 6 | u16 | resolution R |
 * | 8 | u32 | N = mask pixel count (dense vertices) |
 * | 12 | u32 | T = triangle count |
 * | 16 | u32 | L = landmark count (68) |
 * | 20 | u32 | CRC-32 (IEEE) of every byte after the header |
 * | 24 | u8[R·R] | regions (see `REGION`); the mask is regions ≠ 0 |
 * | … | u32[L] | landmark pixel indices |
 * | … | u8[⌈(R−1)²/2⌉] | grid cells, one 4-bit triangle set per cell (low nibble first), see `CELL_TRIANGLES` |
 * | … | f32[N·3] | mean face (model frame, cm) at the mask pixels, ascending pixel order |
 *
 * Pure TypeScript with no Node imports, so it runs in browsers.
 */
import { InvalidArgumentError, InvalidLayoutError } from '../errors.js';
import { REGION, WEIGHT, type UvLayout } from './layout.js';

/** Magic bytes at the start of a layout asset. */
export const UV_LAYOUT_MAGIC = 'PRUV';
/** The format version this module writes and reads. */
export const UV_LAYOUT_VERSION = 1;
const HEADER_BYTES = 24;
const MAX_REGION = REGION.MOUTH;

/**
 * The four triangles a grid cell can hold. A cell's corners are A = (r, c), B = (r, c+1),
 * C = (r+1, c), D = (r+1, c+1) (row r, col c); triangle k omits corner k and lists the other three
 * counter-clockwise in (u, v) — which, for the ICT UV map, is counter-clockwise seen from the front
 * of the face. A cell with all four corners holds {omit B, omit C} (diagonal A–D) or
 * {omit A, omit D} (diagonal B–C); with three corners, the triangle omitting the missing one.
 * Entries are corner numbers 0 = A, 1 = B, 2 = C, 3 = D.
 */
export const CELL_TRIANGLES: readonly (readonly [number, number, number])[] = [
  [1, 2, 3], // omit A: B, C, D
  [0, 2, 3], // omit B: A, C, D
  [0, 3, 1], // omit C: A, D, B
  [0, 2, 1], // omit D: A, C, B
];

/** The parts of a layout that are stored; `assembleUvLayout` derives the rest. */
export interface UvLayoutParts {
  /** Side length R of the position map. */
  readonly resolution: number;
  /** [R*R] region labels (`REGION`), 0 = outside; the mask is `regions ≠ 0`. */
  readonly regions: Uint8Array;
  /** [68] landmark pixel indices, inside the mask and distinct. */
  readonly landmarkPixels: Uint32Array;
  /**
   * [(R−1)*(R−1)] per grid cell (row-major, cell (r, c) has top-left pixel (r, c)), bit k set when
   * triangle k of `CELL_TRIANGLES` is present.
   */
  readonly cellTriangles: Uint8Array;
  /** [N*3] mean face at the mask pixels (ascending pixel order), model frame, cm. */
  readonly meanFaceValues: Float32Array;
}

/**
 * Builds a full `UvLayout` from its stored parts, validating them.
 * Derived: mask, vertexPixels, triangles (cells row-major, bits ascending), weightMask, meanFace.
 * Throws `InvalidLayoutError` on out-of-range values or inconsistent parts.
 */
export function assembleUvLayout(parts: UvLayoutParts): UvLayout {
  const R = parts.resolution;
  if (!Number.isInteger(R) || R < 2 || R > 65535) throw new InvalidLayoutError(`invalid layout resolution ${R}`);
  const pixelCount = R * R;
  const { regions, landmarkPixels, cellTriangles, meanFaceValues } = parts;
  if (regions.length !== pixelCount) {
    throw new InvalidLayoutError(`regions has ${regions.length} entries, expected ${pixelCount}`);
  }
  if (cellTriangles.length !== (R - 1) * (R - 1)) {
    throw new InvalidLayoutError(`cellTriangles has ${cellTriangles.length} entries, expected ${(R - 1) * (R - 1)}`);
  }
  const mask = new Uint8Array(pixelCount);
  const dense = new Int32Array(pixelCount).fill(-1);
  let n = 0;
  for (let i = 0; i < pixelCount; i++) {
    const region = regions[i];
    if (region > MAX_REGION) throw new InvalidLayoutError(`region label ${region} at pixel ${i} is out of range`);
    if (region !== REGION.OUTSIDE) {
      mask[i] = 1;
      dense[i] = n++;
    }
  }
  const vertexPixels = new Uint32Array(n);
  for (let i = 0; i < pixelCount; i++) if (dense[i] >= 0) vertexPixels[dense[i]] = i;

  if (meanFaceValues.length !== n * 3) {
    throw new InvalidLayoutError(`meanFace has ${meanFaceValues.length} values, expected ${n * 3}`);
  }
  const meanFace = new Float32Array(pixelCount * 3);
  for (let k = 0; k < n; k++) {
    const p = vertexPixels[k] * 3;
    for (let j = 0; j < 3; j++) {
      const value = meanFaceValues[k * 3 + j];
      if (!Number.isFinite(value)) throw new InvalidLayoutError(`meanFace value at pixel ${vertexPixels[k]} is not finite`);
      meanFace[p + j] = value;
    }
  }

  const weightMask = new Float32Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) {
    const region = regions[i];
    weightMask[i] = region === REGION.OUTSIDE ? WEIGHT.OUTSIDE : region === REGION.FACE ? WEIGHT.FACE : WEIGHT.EYES_NOSE_MOUTH;
  }
  const seen = new Set<number>();
  for (let k = 0; k < landmarkPixels.length; k++) {
    const p = landmarkPixels[k];
    if (p >= pixelCount || mask[p] === 0) throw new InvalidLayoutError(`landmark ${k} pixel ${p} is outside the mask`);
    if (seen.has(p)) throw new InvalidLayoutError(`landmark ${k} pixel ${p} repeats another landmark's pixel`);
    seen.add(p);
    weightMask[p] = WEIGHT.LANDMARK;
  }

  const triangles = trianglesFromCells(R, cellTriangles, dense);
  return {
    resolution: R,
    mask,
    vertexPixels,
    triangles,
    landmarkPixels: new Uint32Array(landmarkPixels),
    weightMask,
    regions: new Uint8Array(regions),
    meanFace,
  };
}

/** Expands per-cell triangle bits into dense-vertex triangles; `dense` maps pixel → dense index or −1. */
function trianglesFromCells(R: number, cellTriangles: Uint8Array, dense: Int32Array): Uint32Array {
  const cells = R - 1;
  let count = 0;
  for (let i = 0; i < cellTriangles.length; i++) {
    const bits = cellTriangles[i];
    if (bits > 15) throw new InvalidLayoutError(`cell ${i} has invalid triangle bits ${bits}`);
    // Allowed sets: subsets of {B-omitted, C-omitted} or of {A-omitted, D-omitted}.
    if ((bits & 0b0110) !== 0 && (bits & 0b1001) !== 0) {
      throw new InvalidLayoutError(`cell ${i} has overlapping triangles (bits ${bits})`);
    }
    count += (bits & 1) + ((bits >> 1) & 1) + ((bits >> 2) & 1) + ((bits >> 3) & 1);
  }
  const triangles = new Uint32Array(count * 3);
  const corner = new Int32Array(4);
  const order = new Uint8Array(12);
  CELL_TRIANGLES.forEach((tri, k) => order.set(tri, k * 3));
  let t = 0;
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      const bits = cellTriangles[r * cells + c];
      if (bits === 0) continue;
      const a = r * R + c;
      corner[0] = dense[a];
      corner[1] = dense[a + 1];
      corner[2] = dense[a + R];
      corner[3] = dense[a + R + 1];
      for (let k = 0; k < 4; k++) {
        if ((bits & (1 << k)) === 0) continue;
        for (let j = 0; j < 3; j++) {
          const v = corner[order[k * 3 + j]];
          if (v < 0) throw new InvalidLayoutError(`cell (${r}, ${c}) has a triangle with a corner outside the mask`);
          triangles[t++] = v;
        }
      }
    }
  }
  return triangles;
}

/**
 * Recovers the per-cell triangle bits of a layout whose triangles are a canonical grid
 * triangulation (as produced by `assembleUvLayout`). Throws `InvalidLayoutError` otherwise.
 */
export function cellTrianglesOf(layout: UvLayout): Uint8Array {
  const R = layout.resolution;
  const cells = R - 1;
  const bits = new Uint8Array(cells * cells);
  const { triangles, vertexPixels } = layout;
  if (triangles.length % 3 !== 0) throw new InvalidLayoutError('triangles length is not a multiple of 3');
  for (let t = 0; t < triangles.length; t += 3) {
    const a = triangles[t];
    const b = triangles[t + 1];
    const c = triangles[t + 2];
    if (a >= vertexPixels.length || b >= vertexPixels.length || c >= vertexPixels.length) {
      throw new InvalidLayoutError(`triangle ${t / 3} has a vertex index out of range`);
    }
    const pa = vertexPixels[a];
    const pb = vertexPixels[b];
    const pc = vertexPixels[c];
    const r0 = Math.min(Math.floor(pa / R), Math.floor(pb / R), Math.floor(pc / R));
    const c0 = Math.min(pa % R, pb % R, pc % R);
    const k = cellTriangleKind(R, r0, c0, pa, pb, pc);
    if (k < 0 || r0 >= cells || c0 >= cells) {
      throw new InvalidLayoutError(`triangle ${t / 3} is not a grid-cell triangle in canonical order`);
    }
    bits[r0 * cells + c0] |= 1 << k;
  }
  return bits;
}

function cellTriangleKind(R: number, r: number, c: number, pa: number, pb: number, pc: number): number {
  const corners = [r * R + c, r * R + c + 1, (r + 1) * R + c, (r + 1) * R + c + 1];
  for (let k = 0; k < 4; k++) {
    const tri = CELL_TRIANGLES[k];
    if (corners[tri[0]] === pa && corners[tri[1]] === pb && corners[tri[2]] === pc) return k;
  }
  return -1;
}

/**
 * Serialises a layout into the binary asset format (see the module comment).
 * The layout must be consistent with what `assembleUvLayout` derives (mask = regions ≠ 0, canonical
 * grid triangles, PRNet weights, mean face zero outside the mask); throws `InvalidLayoutError` if not,
 * so that decoding always gives back an identical layout.
 */
export function encodeUvLayout(layout: UvLayout): Uint8Array {
  const R = layout.resolution;
  if (!Number.isInteger(R) || R < 2 || R > 65535) throw new InvalidLayoutError(`invalid layout resolution ${R}`);
  const n = layout.vertexPixels.length;
  const meanFaceValues = new Float32Array(n * 3);
  for (let k = 0; k < n; k++) {
    const p = layout.vertexPixels[k] * 3;
    meanFaceValues[k * 3] = layout.meanFace[p];
    meanFaceValues[k * 3 + 1] = layout.meanFace[p + 1];
    meanFaceValues[k * 3 + 2] = layout.meanFace[p + 2];
  }
  const parts: UvLayoutParts = {
    resolution: R,
    regions: layout.regions,
    landmarkPixels: layout.landmarkPixels,
    cellTriangles: cellTrianglesOf(layout),
    meanFaceValues,
  };
  const check = assembleUvLayout(parts);
  const mismatch = firstMismatch(layout, check);
  if (mismatch) throw new InvalidLayoutError(`layout ${mismatch} is inconsistent with its regions/triangles; cannot encode`);

  const L = parts.landmarkPixels.length;
  const cellBytes = Math.ceil(((R - 1) * (R - 1)) / 2);
  const total = HEADER_BYTES + R * R + 4 * L + cellBytes + 12 * n;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = UV_LAYOUT_MAGIC.charCodeAt(i);
  view.setUint16(4, UV_LAYOUT_VERSION, true);
  view.setUint16(6, R, true);
  view.setUint32(8, n, true);
  view.setUint32(12, layout.triangles.length / 3, true);
  view.setUint32(16, L, true);
  let o = HEADER_BYTES;
  bytes.set(parts.regions, o);
  o += R * R;
  for (let k = 0; k < L; k++, o += 4) view.setUint32(o, parts.landmarkPixels[k], true);
  const cells = parts.cellTriangles;
  for (let i = 0; i < cells.length; i++) bytes[o + (i >> 1)] |= (i & 1) === 0 ? cells[i] : cells[i] << 4;
  o += cellBytes;
  for (let k = 0; k < n * 3; k++, o += 4) view.setFloat32(o, meanFaceValues[k], true);
  view.setUint32(20, uvLayoutCrc32(bytes, HEADER_BYTES, total), true);
  return bytes;
}

/** Name of the first field where two layouts differ (exact comparison), or undefined. */
function firstMismatch(a: UvLayout, b: UvLayout): string | undefined {
  const fields = ['mask', 'vertexPixels', 'triangles', 'landmarkPixels', 'weightMask', 'regions', 'meanFace'] as const;
  for (const field of fields) {
    const x = a[field];
    const y = b[field];
    if (x.length !== y.length) return field;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return field;
  }
  return undefined;
}

/**
 * Parses a binary layout asset. Throws `InvalidLayoutError` on a bad magic, an unknown version,
 * a truncated or oversized buffer, a checksum mismatch, or out-of-range values.
 */
export function decodeUvLayout(source: ArrayBuffer | Uint8Array): UvLayout {
  const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  if (bytes.byteLength < HEADER_BYTES) {
    throw new InvalidLayoutError(`UV layout is truncated: ${bytes.byteLength} bytes, the header alone needs ${HEADER_BYTES}`);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== UV_LAYOUT_MAGIC.charCodeAt(i)) throw new InvalidLayoutError('not a UV layout asset (bad magic bytes)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== UV_LAYOUT_VERSION) {
    throw new InvalidLayoutError(`unsupported UV layout version ${version} (this build reads ${UV_LAYOUT_VERSION})`);
  }
  const R = view.getUint16(6, true);
  const n = view.getUint32(8, true);
  const triangleCount = view.getUint32(12, true);
  const L = view.getUint32(16, true);
  if (R < 2) throw new InvalidLayoutError(`invalid layout resolution ${R}`);
  if (n > R * R) throw new InvalidLayoutError(`mask count ${n} exceeds ${R}×${R} pixels`);
  if (L > R * R) throw new InvalidLayoutError(`landmark count ${L} exceeds ${R}×${R} pixels`);
  const cellBytes = Math.ceil(((R - 1) * (R - 1)) / 2);
  const expected = HEADER_BYTES + R * R + 4 * L + cellBytes + 12 * n;
  if (bytes.byteLength < expected) {
    throw new InvalidLayoutError(`UV layout is truncated: ${bytes.byteLength} bytes, expected ${expected}`);
  }
  if (bytes.byteLength > expected) {
    throw new InvalidLayoutError(`UV layout has ${bytes.byteLength - expected} unexpected trailing bytes`);
  }
  const storedCrc = view.getUint32(20, true);
  if (uvLayoutCrc32(bytes, HEADER_BYTES, expected) !== storedCrc) {
    throw new InvalidLayoutError('UV layout checksum mismatch (corrupt file)');
  }
  let o = HEADER_BYTES;
  const regions = bytes.subarray(o, o + R * R); // copied by assembleUvLayout
  o += R * R;
  const landmarkPixels = new Uint32Array(L);
  for (let k = 0; k < L; k++, o += 4) landmarkPixels[k] = view.getUint32(o, true);
  const cellTriangles = new Uint8Array((R - 1) * (R - 1));
  for (let i = 0; i < cellTriangles.length; i++) {
    const byte = bytes[o + (i >> 1)];
    cellTriangles[i] = (i & 1) === 0 ? byte & 15 : byte >> 4;
  }
  o += cellBytes;
  const meanFaceValues = readFloat32LE(bytes, o, n * 3);

  let maskCount = 0;
  for (let i = 0; i < regions.length; i++) {
    if (regions[i] > MAX_REGION) throw new InvalidLayoutError(`region label ${regions[i]} at pixel ${i} is out of range`);
    if (regions[i] !== REGION.OUTSIDE) maskCount++;
  }
  if (maskCount !== n) throw new InvalidLayoutError(`header says ${n} mask pixels but the regions hold ${maskCount}`);
  const layout = assembleUvLayout({ resolution: R, regions, landmarkPixels, cellTriangles, meanFaceValues });
  if (layout.triangles.length !== triangleCount * 3) {
    throw new InvalidLayoutError(`header says ${triangleCount} triangles but the cells hold ${layout.triangles.length / 3}`);
  }
  return layout;
}

/**
 * Loads a layout from a URL (browser or any `fetch`), or decodes bytes already in memory.
 * In Node, prefer `readUvLayoutFile` / `loadDefaultUvLayout` from `@prnet/core/node` for files.
 * @param source URL (string or `URL`) of a `uv-layout-<R>.bin` asset, or its bytes.
 * @param fetchImpl the `fetch` to use (default: `globalThis.fetch`).
 */
export async function loadUvLayout(
  source: string | URL | ArrayBuffer | Uint8Array,
  fetchImpl: typeof fetch | undefined = globalThis.fetch,
): Promise<UvLayout> {
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return decodeUvLayout(source);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new InvalidArgumentError('loadUvLayout needs a URL, an ArrayBuffer or a Uint8Array');
  }
  if (typeof fetchImpl !== 'function') {
    throw new InvalidArgumentError('loadUvLayout needs fetch to load a URL; pass fetchImpl or the bytes');
  }
  let response: Response;
  try {
    response = await fetchImpl(source);
  } catch (cause) {
    throw new InvalidLayoutError(`could not fetch UV layout ${String(source)}`, { cause });
  }
  if (!response.ok) {
    throw new InvalidLayoutError(`could not fetch UV layout ${String(source)}: HTTP ${response.status}`);
  }
  return decodeUvLayout(await response.arrayBuffer());
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `count` little-endian float32 values starting at byte `offset` (any alignment). */
function readFloat32LE(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (LITTLE_ENDIAN_HOST) {
    // Copy into a fresh (aligned) buffer and view it directly: much faster than a DataView loop.
    // (Not `bytes.slice`: on a Node Buffer that is a view into a shared pool.)
    const copy = new Uint8Array(count * 4);
    copy.set(bytes.subarray(offset, offset + count * 4));
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(count);
  for (let k = 0; k < count; k++) values[k] = view.getFloat32(offset + k * 4, true);
  return values;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as in zip/png) of bytes[start, end). */
export function uvLayoutCrc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  const table = crcTable;
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

import { InvalidBasisError } from './errors.js';
import { arkitIndex, type ArkitBlendshape } from './arkit.js';

/**
 * A linear blendshape basis sampled in the UV layout: for each shape, the displacement (cm, model
 * frame: x to the viewer's right, y up, z out of the face) of a set of UV pixels when the shape's
 * weight goes from 0 to 1 on the neutral face. Built by `scripts/build-basis.ts` from the ICT Face
 * Model's ARKit expression shapes (MIT) and shipped as `assets/arkit-basis-128.bin`.
 */
export interface BlendshapeBasis {
  /** Side R of the UV layout the pixels refer to. */
  readonly resolution: number;
  /** ARKit names of the shapes (columns), a subset of `ARKIT_BLENDSHAPES`. */
  readonly names: readonly ArkitBlendshape[];
  /** [P] UV pixel indices (`row * R + col`) of the sample points, each inside the layout's mask. */
  readonly pixels: Uint32Array;
  /** [shapes × P × 3] displacements, cm: shape s, point p at `(s * P + p) * 3`. */
  readonly deltas: Float32Array;
}

/** "PRBS" little-endian. */
export const BASIS_MAGIC = 0x53425250;
export const BASIS_VERSION = 1;

interface BasisHeader {
  version: number;
  resolution: number;
  points: number;
  names: string[];
  /** cm per int16 unit. */
  quantum: number;
}

/**
 * Encodes a basis: [u32 magic][u32 header bytes][header JSON, padded to 4][u32 pixels][i16 deltas].
 * Deltas are quantised to `quantum` cm (default 2e-4 cm: ±6.5 cm range).
 */
export function encodeBlendshapeBasis(basis: BlendshapeBasis, quantum = 2e-4): Uint8Array {
  const P = basis.pixels.length;
  const header: BasisHeader = {
    version: BASIS_VERSION,
    resolution: basis.resolution,
    points: P,
    names: [...basis.names],
    quantum,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil(json.length / 4) * 4;
  const total = 8 + headerBytes + P * 4 + basis.deltas.length * 2;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, BASIS_MAGIC, true);
  view.setUint32(4, headerBytes, true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerBytes);
  let o = 8 + headerBytes;
  for (let p = 0; p < P; p++, o += 4) view.setUint32(o, basis.pixels[p], true);
  for (let i = 0; i < basis.deltas.length; i++, o += 2) {
    const q = Math.round(basis.deltas[i] / quantum);
    view.setInt16(o, Math.max(-32768, Math.min(32767, q)), true);
  }
  return bytes;
}

/** Decodes `encodeBlendshapeBasis`'s bytes. Throws `InvalidBasisError` on anything malformed. */
export function decodeBlendshapeBasis(data: ArrayBuffer | Uint8Array): BlendshapeBasis {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < 8) throw new InvalidBasisError('blendshape basis: too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== BASIS_MAGIC) throw new InvalidBasisError('blendshape basis: bad magic (not a PRBS file)');
  const headerBytes = view.getUint32(4, true);
  let header: BasisHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes))) as BasisHeader;
  } catch (cause) {
    throw new InvalidBasisError('blendshape basis: unreadable header', { cause });
  }
  if (header.version !== BASIS_VERSION) throw new InvalidBasisError(`blendshape basis: unsupported version ${header.version}`);
  const P = header.points;
  const S = header.names.length;
  for (const name of header.names) {
    if (arkitIndex(name) < 0) throw new InvalidBasisError(`blendshape basis: "${name}" is not an ARKit blendshape`);
  }
  const expected = 8 + headerBytes + P * 4 + S * P * 3 * 2;
  if (bytes.length !== expected) {
    throw new InvalidBasisError(`blendshape basis: ${bytes.length} bytes, expected ${expected}`);
  }
  let o = 8 + headerBytes;
  const pixels = new Uint32Array(P);
  for (let p = 0; p < P; p++, o += 4) pixels[p] = view.getUint32(o, true);
  const deltas = new Float32Array(S * P * 3);
  for (let i = 0; i < deltas.length; i++, o += 2) deltas[i] = view.getInt16(o, true) * header.quantum;
  return { resolution: header.resolution, names: header.names as ArkitBlendshape[], pixels, deltas };
}

/**
 * Loads a basis from a URL (fetch), or decodes bytes. In the browser pass the URL where your
 * bundler serves `@prnet/babylon-plugin/assets/arkit-basis-128.bin`.
 */
export async function loadBlendshapeBasis(source: string | URL | ArrayBuffer | Uint8Array): Promise<BlendshapeBasis> {
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return decodeBlendshapeBasis(source);
  let response: Response;
  try {
    response = await fetch(source);
  } catch (cause) {
    throw new InvalidBasisError(`could not fetch the blendshape basis from ${String(source)}`, { cause });
  }
  if (!response.ok) throw new InvalidBasisError(`could not fetch the blendshape basis from ${String(source)}: HTTP ${response.status}`);
  return decodeBlendshapeBasis(await response.arrayBuffer());
}

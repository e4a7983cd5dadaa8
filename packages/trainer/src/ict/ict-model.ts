import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A contiguous range of vertices and polygons of one part of the ICT head (inclusive bounds). */
export interface IctGeometryPart {
  readonly name: string;
  readonly vertices: readonly [number, number];
  readonly polygons: readonly [number, number];
}

/**
 * The ICT Face Model Light (MIT, USC ICT) as flat typed arrays, loaded from the folder laid out
 * by `../shared/data/ict-face-model` (see its `manifest.json`).
 */
export interface IctModel {
  readonly vertexCount: number;
  /** [V*3] neutral head, centimetres, y up, +z out of the face. */
  readonly neutral: Float32Array;
  readonly identityCount: number;
  /** [identityCount*V*3] identity modes; weights ~ N(0, 1). */
  readonly identityDeltas: Float32Array;
  readonly expressionNames: readonly string[];
  /** [expressionCount*V*3] expression shapes; weights in [0, 1]. */
  readonly expressionDeltas: Float32Array;
  /** [uvCount*2] texture coordinates (u, v), v up. The face area lies in [0,1]². */
  readonly uvs: Float32Array;
  /** [P*4] polygon vertex indices (quads; a triangle has −1 last). */
  readonly faces: Int32Array;
  /** [P*4] polygon uv indices, same layout. */
  readonly faceUvs: Int32Array;
  readonly parts: readonly IctGeometryPart[];
  /** [68] 0-based vertex indices of the Multi-PIE landmarks. */
  readonly landmarks68: Uint32Array;
  /** The face area: polygons [0, facePolygonEnd] and vertices [0, faceVertexEnd], inclusive. */
  readonly facePolygonEnd: number;
  readonly faceVertexEnd: number;
}

/** Thrown when the ICT data folder is missing or malformed. */
export class IctDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IctDataError';
  }
}

/**
 * Where the project's shared data lives: `$PRNET_DATA_DIR` if set, else the first `shared/data`
 * found next to the working directory or one of its ancestors (a checkout sits beside `shared/`).
 * Returns undefined when none exists (a user's clone has no `../shared`).
 */
export function findSharedDataDir(start = process.cwd()): string | undefined {
  const env = process.env.PRNET_DATA_DIR;
  if (env) return existsSync(env) ? resolve(env) : undefined;
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, '..', 'shared', 'data');
    if (existsSync(join(candidate, 'ict-face-model', 'manifest.json'))) return resolve(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readBinary<T extends Float32Array | Int32Array>(
  dir: string,
  file: string,
  ctor: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  expectedLength: number,
): T {
  const path = join(dir, file);
  if (!existsSync(path)) throw new IctDataError(`ICT model file missing: ${path}`);
  const bytes = readFileSync(path);
  if (bytes.byteLength !== expectedLength * ctor.BYTES_PER_ELEMENT) {
    throw new IctDataError(
      `${path} has ${bytes.byteLength} bytes, expected ${expectedLength * ctor.BYTES_PER_ELEMENT}`,
    );
  }
  // Copy into a fresh, aligned buffer (Node Buffers may share a pool with a non-aligned offset).
  const aligned = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(aligned).set(bytes);
  return new ctor(aligned);
}

/** Loads the ICT model from its folder (default: `<shared data>/ict-face-model`). */
export function loadIctModel(dir?: string): IctModel {
  const root = dir ?? (findSharedDataDir() ? join(findSharedDataDir()!, 'ict-face-model') : undefined);
  if (!root || !existsSync(join(root, 'manifest.json'))) {
    throw new IctDataError(
      `ICT face model not found${root ? ` at ${root}` : ''}; set PRNET_DATA_DIR to the folder holding ict-face-model/`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as {
    vertexCount: number;
    uvCount: number;
    polygonCount: number;
    identityNames: string[];
    expressionNames: string[];
    geometry: { name: string; vertices: [number, number]; polygons: [number, number] }[];
    landmarks68: number[];
  };
  const V = manifest.vertexCount;
  const face = manifest.geometry.find((g) => g.name === 'face');
  if (!face) throw new IctDataError('manifest.json has no "face" geometry part');
  return {
    vertexCount: V,
    neutral: readBinary(root, 'neutral.f32', Float32Array, V * 3),
    identityCount: manifest.identityNames.length,
    identityDeltas: readBinary(root, 'identity_deltas.f32', Float32Array, manifest.identityNames.length * V * 3),
    expressionNames: manifest.expressionNames,
    expressionDeltas: readBinary(root, 'expression_deltas.f32', Float32Array, manifest.expressionNames.length * V * 3),
    uvs: readBinary(root, 'uvs.f32', Float32Array, manifest.uvCount * 2),
    faces: readBinary(root, 'faces.i32', Int32Array, manifest.polygonCount * 4),
    faceUvs: readBinary(root, 'face_uvs.i32', Int32Array, manifest.polygonCount * 4),
    parts: manifest.geometry,
    landmarks68: Uint32Array.from(manifest.landmarks68),
    facePolygonEnd: face.polygons[1],
    faceVertexEnd: face.vertices[1],
  };
}

/** Shape and expression coefficients of one face. Missing entries are 0. */
export interface IctCoefficients {
  /** Identity weights (up to identityCount), ~ N(0, 1). */
  identity?: ArrayLike<number>;
  /** Expression weights by name (e.g. `jawOpen`, `eyeBlink_L`), in [0, 1]. */
  expression?: Readonly<Record<string, number>>;
}

/**
 * Builds the head mesh for given coefficients: neutral + Σ identity·w + Σ expression·e.
 * Returns [V*3] positions in the model frame (cm, y up, z out of the face).
 */
export function buildIctMesh(model: IctModel, coefficients: IctCoefficients = {}, out?: Float32Array): Float32Array {
  const n = model.vertexCount * 3;
  const result = out ?? new Float32Array(n);
  result.set(model.neutral);
  const id = coefficients.identity;
  if (id) {
    const count = Math.min(id.length, model.identityCount);
    for (let k = 0; k < count; k++) {
      const w = id[k];
      if (w === 0) continue;
      const base = k * n;
      for (let i = 0; i < n; i++) result[i] += w * model.identityDeltas[base + i];
    }
  }
  const ex = coefficients.expression;
  if (ex) {
    for (const [name, w] of Object.entries(ex)) {
      if (!w) continue;
      const k = model.expressionNames.indexOf(name);
      if (k < 0) throw new IctDataError(`unknown ICT expression "${name}"`);
      const base = k * n;
      for (let i = 0; i < n; i++) result[i] += w * model.expressionDeltas[base + i];
    }
  }
  return result;
}

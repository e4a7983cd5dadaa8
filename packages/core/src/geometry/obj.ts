import { InvalidArgumentError } from '../errors.js';
import { exportTriangle, fromExportFrame, OBJ_INDEX_BASE, toExportFrame, type MeshFrame } from './export-frame.js';
import { assertMesh, type Mesh } from './mesh.js';

export interface ObjOptions {
  /** Frame of `mesh.vertices`. Default `image`; see `export-frame.ts` for the flips. */
  frame?: MeshFrame;
  /**
   * Texture image file name for a textured OBJ (needs `mesh.uvs`): adds `mtllib`/`usemtl` and
   * returns the `.mtl` text with `map_Kd <textureFile>`. Default none.
   */
  textureFile?: string;
  /** Name of the `.mtl` file the OBJ refers to. Default: `textureFile` with its extension replaced by `.mtl`. */
  materialFile?: string;
  /** Material name. Default `face`. */
  materialName?: string;
  /** Significant digits of positions and texture coordinates. Default 7 (float32 precision). */
  digits?: number;
}

/** An OBJ file's text and, for a textured mesh, its material file's text. */
export interface ObjFiles {
  readonly obj: string;
  readonly mtl?: string;
}

/**
 * Writes a Wavefront OBJ: `v x y z` (or `v x y z r g b`, colours 0..1, when `mesh.colors`),
 * `vt u v` and `f a/a b/b c/c` when `mesh.uvs`, else `f a b c`; 1-based indices, y-up frame.
 */
export function toObj(mesh: Mesh, options: ObjOptions = {}): ObjFiles {
  assertMesh(mesh);
  const digits = options.digits ?? 7;
  const fmt = (x: number) => String(Number(x.toPrecision(digits)));
  const v = toExportFrame(mesh.vertices, options.frame ?? 'image');
  const n = v.length / 3;
  const lines: string[] = ['# PRNet face mesh: x right, y up, z towards the viewer'];
  const materialName = options.materialName ?? 'face';
  let mtl: string | undefined;
  if (options.textureFile) {
    if (!mesh.uvs) throw new InvalidArgumentError('a textured OBJ (textureFile) needs mesh.uvs');
    const materialFile = options.materialFile ?? `${options.textureFile.replace(/\.[^./\\]*$/, '')}.mtl`;
    lines.push(`mtllib ${materialFile}`);
    mtl = [
      `newmtl ${materialName}`,
      'Ka 1 1 1',
      'Kd 1 1 1',
      'Ks 0 0 0',
      'd 1',
      'illum 1',
      `map_Kd ${options.textureFile}`,
      '',
    ].join('\n');
  }
  const colors = mesh.colors;
  const toUnit = colors instanceof Uint8Array ? 1 / 255 : 1;
  for (let k = 0; k < n; k++) {
    let line = `v ${fmt(v[3 * k])} ${fmt(v[3 * k + 1])} ${fmt(v[3 * k + 2])}`;
    if (colors) {
      const c = (i: number) => String(Number((Math.min(1, Math.max(0, colors[i] * toUnit))).toFixed(4)));
      line += ` ${c(3 * k)} ${c(3 * k + 1)} ${c(3 * k + 2)}`;
    }
    lines.push(line);
  }
  const uvs = mesh.uvs;
  if (uvs) for (let k = 0; k < n; k++) lines.push(`vt ${fmt(uvs[2 * k])} ${fmt(uvs[2 * k + 1])}`);
  if (mtl) lines.push(`usemtl ${materialName}`);
  const corner = [0, 0, 0];
  const T = mesh.triangles.length / 3;
  for (let t = 0; t < T; t++) {
    const [a, b, c] = exportTriangle(mesh.triangles, t, corner).map((i) => i + OBJ_INDEX_BASE);
    lines.push(uvs ? `f ${a}/${a} ${b}/${b} ${c}/${c}` : `f ${a} ${b} ${c}`);
  }
  lines.push('');
  return mtl ? { obj: lines.join('\n'), mtl } : { obj: lines.join('\n') };
}

export interface ParseObjOptions {
  /** Frame to return positions in. Default `image` (undoes `toObj`'s flip). */
  frame?: MeshFrame;
}

/**
 * Reads a Wavefront OBJ's geometry: `v` (with optional r g b colours), `vt`, and `f` with any of
 * the `a`, `a/t`, `a/t/n`, `a//n` forms, negative (relative) indices and polygons (fan-split into
 * triangles). Texture coordinates become per-vertex (`uvs`) from the faces' corners, so a mesh
 * that shares one vt per vertex (as `toObj` writes) round-trips exactly. Other statements are ignored.
 * @throws InvalidArgumentError on malformed numbers or out-of-range indices.
 */
export function parseObj(text: string, options: ParseObjOptions = {}): Mesh {
  const positions: number[] = [];
  const colors: number[] = [];
  const texcoords: number[] = [];
  const faceCorners: number[] = []; // (vertex, texcoord) pairs, 0-based; texcoord −1 if absent
  let hasColors = false;
  const lines = text.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const num = (s: string) => {
      const x = Number(s);
      if (!Number.isFinite(x)) throw new InvalidArgumentError(`OBJ line ${li + 1}: "${s}" is not a number`);
      return x;
    };
    switch (parts[0]) {
      case 'v': {
        if (parts.length < 4) throw new InvalidArgumentError(`OBJ line ${li + 1}: a vertex needs x y z`);
        positions.push(num(parts[1]), num(parts[2]), num(parts[3]));
        if (parts.length >= 7) {
          colors.push(num(parts[4]), num(parts[5]), num(parts[6]));
          hasColors = true;
        } else colors.push(1, 1, 1);
        break;
      }
      case 'vt':
        if (parts.length < 3) throw new InvalidArgumentError(`OBJ line ${li + 1}: a texture coordinate needs u v`);
        texcoords.push(num(parts[1]), num(parts[2]));
        break;
      case 'f': {
        if (parts.length < 4) throw new InvalidArgumentError(`OBJ line ${li + 1}: a face needs 3 corners`);
        const corners = parts.slice(1).map((p) => {
          const [vs, ts] = p.split('/');
          const resolve = (s: string, count: number) => {
            const i = Math.trunc(num(s));
            const index = i < 0 ? count + i : i - OBJ_INDEX_BASE;
            if (!(index >= 0 && index < count)) {
              throw new InvalidArgumentError(`OBJ line ${li + 1}: index ${s} is out of range`);
            }
            return index;
          };
          return [resolve(vs, positions.length / 3), ts ? resolve(ts, texcoords.length / 2) : -1];
        });
        for (let k = 1; k + 1 < corners.length; k++) faceCorners.push(...corners[0], ...corners[k], ...corners[k + 1]);
        break;
      }
      default:
        break;
    }
  }
  const n = positions.length / 3;
  const vertices = fromExportFrame(Float32Array.from(positions), options.frame ?? 'image');
  const triangles = new Uint32Array(faceCorners.length / 2);
  let uvs: Float32Array | undefined;
  for (let i = 0; i < triangles.length; i++) {
    const vi = faceCorners[2 * i];
    const ti = faceCorners[2 * i + 1];
    triangles[i] = vi;
    if (ti >= 0) {
      uvs ??= new Float32Array(n * 2);
      uvs[2 * vi] = texcoords[2 * ti];
      uvs[2 * vi + 1] = texcoords[2 * ti + 1];
    }
  }
  return {
    vertices,
    triangles,
    ...(hasColors ? { colors: Float32Array.from(colors) } : {}),
    ...(uvs ? { uvs } : {}),
  };
}

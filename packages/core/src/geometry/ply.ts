import { colorToByte } from './sample-colors.js';
import { exportTriangle, toExportFrame, type MeshFrame } from './export-frame.js';
import { assertMesh, type Mesh } from './mesh.js';

export interface PlyOptions {
  /** `ascii` (a string) or `binary` (binary_little_endian, a Uint8Array). Default `ascii`. */
  format?: 'ascii' | 'binary';
  /** Frame of `mesh.vertices`. Default `image`; see `export-frame.ts` for the flips. */
  frame?: MeshFrame;
  /** Significant digits of ascii numbers. Default 7 (binary PLY stores exact float32). */
  digits?: number;
}

/**
 * Writes a Stanford PLY: vertex `float x y z` (y-up frame), `uchar red green blue` when
 * `mesh.colors`, `float s t` when `mesh.uvs`; face `list uchar uint vertex_indices` (0-based).
 */
export function toPly(mesh: Mesh, options: PlyOptions & { format: 'binary' }): Uint8Array;
export function toPly(mesh: Mesh, options?: PlyOptions & { format?: 'ascii' }): string;
export function toPly(mesh: Mesh, options?: PlyOptions): string | Uint8Array;
export function toPly(mesh: Mesh, options: PlyOptions = {}): string | Uint8Array {
  assertMesh(mesh);
  const format = options.format ?? 'ascii';
  const v = toExportFrame(mesh.vertices, options.frame ?? 'image');
  const n = v.length / 3;
  const T = mesh.triangles.length / 3;
  const { colors, uvs } = mesh;
  const header = [
    'ply',
    `format ${format === 'binary' ? 'binary_little_endian' : 'ascii'} 1.0`,
    'comment PRNet face mesh: x right, y up, z towards the viewer',
    `element vertex ${n}`,
    'property float x',
    'property float y',
    'property float z',
    ...(colors ? ['property uchar red', 'property uchar green', 'property uchar blue'] : []),
    ...(uvs ? ['property float s', 'property float t'] : []),
    `element face ${T}`,
    'property list uchar uint vertex_indices',
    'end_header',
    '',
  ].join('\n');
  const corner = [0, 0, 0];

  if (format === 'ascii') {
    const digits = options.digits ?? 7;
    const fmt = (x: number) => String(Number(x.toPrecision(digits)));
    const lines: string[] = [];
    for (let k = 0; k < n; k++) {
      let line = `${fmt(v[3 * k])} ${fmt(v[3 * k + 1])} ${fmt(v[3 * k + 2])}`;
      if (colors) line += ` ${colorToByte(colors, 3 * k)} ${colorToByte(colors, 3 * k + 1)} ${colorToByte(colors, 3 * k + 2)}`;
      if (uvs) line += ` ${fmt(uvs[2 * k])} ${fmt(uvs[2 * k + 1])}`;
      lines.push(line);
    }
    for (let t = 0; t < T; t++) lines.push(`3 ${exportTriangle(mesh.triangles, t, corner).join(' ')}`);
    lines.push('');
    return header + lines.join('\n');
  }

  const headerBytes = new TextEncoder().encode(header);
  const vertexSize = 12 + (colors ? 3 : 0) + (uvs ? 8 : 0);
  const bytes = new Uint8Array(headerBytes.length + n * vertexSize + T * 13);
  bytes.set(headerBytes);
  const view = new DataView(bytes.buffer);
  let o = headerBytes.length;
  for (let k = 0; k < n; k++) {
    view.setFloat32(o, v[3 * k], true);
    view.setFloat32(o + 4, v[3 * k + 1], true);
    view.setFloat32(o + 8, v[3 * k + 2], true);
    o += 12;
    if (colors) {
      bytes[o] = colorToByte(colors, 3 * k);
      bytes[o + 1] = colorToByte(colors, 3 * k + 1);
      bytes[o + 2] = colorToByte(colors, 3 * k + 2);
      o += 3;
    }
    if (uvs) {
      view.setFloat32(o, uvs[2 * k], true);
      view.setFloat32(o + 4, uvs[2 * k + 1], true);
      o += 8;
    }
  }
  for (let t = 0; t < T; t++) {
    exportTriangle(mesh.triangles, t, corner);
    bytes[o] = 3;
    view.setUint32(o + 1, corner[0], true);
    view.setUint32(o + 5, corner[1], true);
    view.setUint32(o + 9, corner[2], true);
    o += 13;
  }
  return bytes;
}

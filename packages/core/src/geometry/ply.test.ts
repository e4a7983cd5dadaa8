import { describe, expect, it } from 'vitest';
import { toPly } from './ply.js';

const vertices = Float32Array.from([10.25, 20.5, -3, 30.125, 20.5, 4.75, 10.25, 40.0625, 1.5, 30, 40, 2]);
const triangles = Uint32Array.from([0, 2, 1, 1, 2, 3]);
const colors = Uint8Array.from([255, 0, 0, 0, 128, 0, 0, 0, 255, 7, 8, 9]);

describe('toPly', () => {
  it('writes an ascii PLY with the right header, counts and y flip', () => {
    const text = toPly({ vertices, triangles, colors }, { format: 'ascii' });
    const [header, body] = text.split('end_header\n');
    expect(header).toContain('format ascii 1.0');
    expect(header).toContain('element vertex 4');
    expect(header).toContain('element face 2');
    expect(header).toContain('property uchar red');
    expect(header).toContain('property list uchar uint vertex_indices');
    const lines = body.trim().split('\n');
    expect(lines.length).toBe(6);
    expect(lines[0]).toBe('10.25 -20.5 -3 255 0 0');
    expect(lines[4]).toBe('3 0 2 1');
  });

  it('writes a binary little-endian PLY that decodes to the same numbers', () => {
    const floatColors = Float32Array.from(colors, (c) => c / 255);
    const uvs = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    const bytes = toPly({ vertices, triangles, colors: floatColors, uvs }, { format: 'binary' });
    expect(bytes).toBeInstanceOf(Uint8Array);
    const text = new TextDecoder().decode(bytes);
    const end = text.indexOf('end_header\n') + 'end_header\n'.length;
    const header = text.slice(0, end);
    expect(header).toContain('format binary_little_endian 1.0');
    expect(header).toContain('property float s');
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    let o = end;
    for (let k = 0; k < 4; k++) {
      expect(view.getFloat32(o, true)).toBe(vertices[3 * k]);
      expect(view.getFloat32(o + 4, true)).toBe(-vertices[3 * k + 1]);
      expect(view.getFloat32(o + 8, true)).toBe(vertices[3 * k + 2]);
      expect([bytes[o + 12], bytes[o + 13], bytes[o + 14]]).toEqual(Array.from(colors.subarray(3 * k, 3 * k + 3)));
      expect(view.getFloat32(o + 15, true)).toBe(uvs[2 * k]);
      expect(view.getFloat32(o + 19, true)).toBe(uvs[2 * k + 1]);
      o += 23;
    }
    for (let t = 0; t < 2; t++) {
      expect(bytes[o]).toBe(3);
      expect([1, 5, 9].map((d) => view.getUint32(o + d, true))).toEqual(Array.from(triangles.subarray(3 * t, 3 * t + 3)));
      o += 13;
    }
    expect(o).toBe(bytes.length);
  });

  it('omits colour properties for an uncoloured mesh', () => {
    const text = toPly({ vertices, triangles });
    expect(text).not.toContain('red');
    expect(text.split('end_header\n')[1].split('\n')[0]).toBe('10.25 -20.5 -3');
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { posedPositionMap } from '../testing/synthetic-face.js';
import { syntheticLayout } from '../testing/synthetic-layout.js';
import { denseVertices, vertexUvs } from './extract.js';
import { parseObj, toObj } from './obj.js';

const layout = syntheticLayout({ resolution: 24 });
const vertices = denseVertices(posedPositionMap(layout, { scale: 9.3, translation: [123.456, 78.9, -3.21] }), layout);
const n = vertices.length / 3;
const colors = Float32Array.from({ length: n * 3 }, (_, i) => ((i * 37) % 256) / 255);

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number) {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  expect(max).toBeLessThan(tolerance);
}

describe('toObj / parseObj', () => {
  it('round-trips a coloured mesh (positions within print precision, colours within 1e-4)', () => {
    const { obj, mtl } = toObj({ vertices, triangles: layout.triangles, colors });
    expect(mtl).toBeUndefined();
    expect(obj).toMatch(/^v [-\d.e]+ [-\d.e]+ [-\d.e]+ [\d.]+ [\d.]+ [\d.]+$/m);
    const back = parseObj(obj);
    expectClose(back.vertices, vertices, 1e-3);
    expect(Array.from(back.triangles)).toEqual(Array.from(layout.triangles));
    expectClose(back.colors!, colors, 1e-4);
    expect(back.uvs).toBeUndefined();
  });

  it('writes a y-up frame with 1-based indices and normals towards the viewer', () => {
    const { obj } = toObj({ vertices, triangles: Uint32Array.from([0, 1, 2]) });
    const vs = obj.split('\n').filter((l) => l.startsWith('v ')).map((l) => l.split(' ').slice(1).map(Number));
    expect(vs[0][1]).toBeCloseTo(-vertices[1], 3);
    expect(obj).toContain('\nf 1 2 3\n');
    // mean normal of the whole frontal face, computed from the file, points to +z
    const full = parseObj(toObj({ vertices, triangles: layout.triangles }).obj, { frame: 'model' });
    let nz = 0;
    const v = full.vertices;
    for (let t = 0; t < full.triangles.length; t += 3) {
      const [a, b, c] = [3 * full.triangles[t], 3 * full.triangles[t + 1], 3 * full.triangles[t + 2]];
      nz += (v[b] - v[a]) * (v[c + 1] - v[a + 1]) - (v[b + 1] - v[a + 1]) * (v[c] - v[a]);
    }
    expect(nz).toBeGreaterThan(0);
    // the chin (landmark 8) is below the nose bridge (landmark 27) in the file
    const vertexOf = (pixel: number) => layout.vertexPixels.indexOf(pixel);
    const chin = vertexOf(layout.landmarkPixels[8]);
    const bridge = vertexOf(layout.landmarkPixels[27]);
    expect(v[3 * chin + 1]).toBeLessThan(v[3 * bridge + 1]);
  });

  it('writes a textured OBJ with vt, a/a faces and an .mtl naming the texture', () => {
    const uvs = vertexUvs(layout);
    const { obj, mtl } = toObj(
      { vertices, triangles: layout.triangles, uvs },
      { textureFile: 'face_texture.png', materialFile: 'face.mtl' },
    );
    expect(obj).toContain('mtllib face.mtl');
    expect(obj).toContain('usemtl face');
    expect(mtl).toContain('map_Kd face_texture.png');
    expect(obj).toMatch(/^f (\d+)\/\1 (\d+)\/\2 (\d+)\/\3$/m);
    const back = parseObj(obj);
    expectClose(back.uvs!, uvs, 1e-6);
    expectClose(back.vertices, vertices, 1e-3);
    expect(toObj({ vertices, triangles: layout.triangles, uvs }, { textureFile: 'a/b.jpg' }).obj).toContain('mtllib a/b.mtl');
  });

  it('parses quads, negative indices and v/t/n corners', () => {
    const text = ['v 0 0 0', 'v 1 0 0', 'v 1 1 0', 'v 0 1 0', 'vt 0 0', 'vn 0 0 1', 'f 1/1/1 2/1/1 3/1/1 4/1/1', 'f -4//1 -3//1 -2//1'].join('\n');
    const mesh = parseObj(text, { frame: 'model' });
    expect(Array.from(mesh.triangles)).toEqual([0, 1, 2, 0, 2, 3, 0, 1, 2]);
    expect(mesh.vertices[7]).toBe(1);
    expect(() => parseObj('v 0 0 0\nf 1 2 3')).toThrow(InvalidArgumentError);
    expect(() => parseObj('v 0 zero 0')).toThrow(InvalidArgumentError);
  });

  it('needs uvs for a textured OBJ', () => {
    expect(() => toObj({ vertices, triangles: layout.triangles }, { textureFile: 't.png' })).toThrow(InvalidArgumentError);
  });
});

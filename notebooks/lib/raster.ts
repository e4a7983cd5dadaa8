/**
 * Small RGB raster helpers for notebook figures made of pixels (position maps, masks, faces with
 * landmarks, mesh renders): a `Picture` is width × height × 3 bytes, row-major, row 0 at the top.
 * Encoded to PNG with pngjs and shown with tslab's `display.png`.
 */
import * as tslab from 'tslab';
import { PNG } from 'pngjs';
import { rasterizeDepth } from '@prnet/core';

export interface Picture {
  readonly width: number;
  readonly height: number;
  /** [height*width*3] RGB bytes. */
  readonly data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export const COLOR = {
  white: [255, 255, 255] as Rgb,
  black: [0, 0, 0] as Rgb,
  grey: [200, 200, 200] as Rgb,
  darkGrey: [90, 90, 90] as Rgb,
  green: [30, 170, 60] as Rgb,
  red: [220, 40, 40] as Rgb,
  blue: [40, 90, 220] as Rgb,
  yellow: [250, 210, 30] as Rgb,
};

/** A blank picture filled with `color`. */
export function blank(width: number, height: number, color: Rgb = COLOR.white): Picture {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(color, 3 * i);
  return { width, height, data };
}

/** A decoded image ({ width, height, channels: 1 | 3 | 4, data }) as an RGB picture (a copy). */
export function fromImage(image: { width: number; height: number; channels?: number; data: ArrayLike<number> }): Picture {
  const channels = image.channels ?? 3;
  const out = new Uint8Array(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) {
    for (let k = 0; k < 3; k++) out[3 * p + k] = image.data[channels * p + (channels === 1 ? 0 : k)];
  }
  return { width: image.width, height: image.height, data: out };
}

/** A grey picture from per-pixel values in [0, 1] (NaN → `empty`). */
export function fromGray(values: ArrayLike<number>, width: number, height: number, empty: Rgb = COLOR.black): Picture {
  const pic = blank(width, height, empty);
  for (let p = 0; p < width * height; p++) {
    const v = values[p];
    if (Number.isNaN(v)) continue;
    const g = Math.round(255 * Math.min(1, Math.max(0, v)));
    pic.data[3 * p] = pic.data[3 * p + 1] = pic.data[3 * p + 2] = g;
  }
  return pic;
}

/** Nearest-neighbour resize to `width` × `height`. */
export function resize(pic: Picture, width: number, height: number): Picture {
  const out = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    const sr = Math.min(pic.height - 1, Math.floor(((r + 0.5) * pic.height) / height));
    for (let c = 0; c < width; c++) {
      const sc = Math.min(pic.width - 1, Math.floor(((c + 0.5) * pic.width) / width));
      const s = 3 * (sr * pic.width + sc);
      out.set(pic.data.subarray(s, s + 3), 3 * (r * width + c));
    }
  }
  return { width, height, data: out };
}

/** Box-filtered downscale by an integer factor (smooth thumbnails of photos). */
export function shrink(pic: Picture, factor: number): Picture {
  const width = Math.floor(pic.width / factor);
  const height = Math.floor(pic.height / factor);
  const out = new Uint8Array(width * height * 3);
  const n = factor * factor;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let dr = 0; dr < factor; dr++) {
          for (let dc = 0; dc < factor; dc++) sum += pic.data[3 * ((r * factor + dr) * pic.width + c * factor + dc) + k];
        }
        out[3 * (r * width + c) + k] = Math.round(sum / n);
      }
    }
  }
  return { width, height, data: out };
}

function setPixel(pic: Picture, x: number, y: number, color: Rgb): void {
  const c = Math.floor(x);
  const r = Math.floor(y);
  if (c < 0 || r < 0 || c >= pic.width || r >= pic.height) return;
  pic.data.set(color, 3 * (r * pic.width + c));
}

/** A filled disc of `radius` pixels centred on (x, y) (image pixels, x right, y down). In place. */
export function drawDisc(pic: Picture, x: number, y: number, radius: number, color: Rgb): void {
  const r2 = radius * radius;
  for (let dy = -Math.ceil(radius); dy <= Math.ceil(radius); dy++) {
    for (let dx = -Math.ceil(radius); dx <= Math.ceil(radius); dx++) {
      if (dx * dx + dy * dy <= r2) setPixel(pic, x + dx, y + dy, color);
    }
  }
}

/** A one-pixel line from (x0, y0) to (x1, y1). In place. */
export function drawLine(pic: Picture, x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    setPixel(pic, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, color);
  }
}

/** The outline of box [x0, y0, x1, y1]. In place. */
export function drawBox(pic: Picture, box: readonly number[], color: Rgb): void {
  const [x0, y0, x1, y1] = box;
  drawLine(pic, x0, y0, x1, y0, color);
  drawLine(pic, x1, y0, x1, y1, color);
  drawLine(pic, x1, y1, x0, y1, color);
  drawLine(pic, x0, y1, x0, y0, color);
}

/** Pictures side by side (top-aligned), `gap` pixels apart, on `background`. */
export function row(pictures: readonly Picture[], gap = 8, background: Rgb = COLOR.white): Picture {
  return grid(pictures, pictures.length, gap, background);
}

/** Pictures in a grid of `columns`, each cell as large as the largest picture. */
export function grid(pictures: readonly Picture[], columns: number, gap = 8, background: Rgb = COLOR.white): Picture {
  const cellW = Math.max(...pictures.map((p) => p.width));
  const cellH = Math.max(...pictures.map((p) => p.height));
  const rows = Math.ceil(pictures.length / columns);
  const width = columns * cellW + (columns - 1) * gap;
  const height = rows * cellH + (rows - 1) * gap;
  const out = blank(width, height, background);
  pictures.forEach((pic, i) => {
    const ox = (i % columns) * (cellW + gap);
    const oy = Math.floor(i / columns) * (cellH + gap);
    for (let r = 0; r < pic.height; r++) {
      out.data.set(pic.data.subarray(3 * r * pic.width, 3 * (r + 1) * pic.width), 3 * ((oy + r) * width + ox));
    }
  });
  return out;
}

/** PNG bytes of a picture. */
export function pngBytes(pic: Picture): Uint8Array {
  const png = new PNG({ width: pic.width, height: pic.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(pic.data.buffer, pic.data.byteOffset, pic.data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

/** Shows a picture as the cell's output (PNG). */
export function showPicture(pic: Picture): void {
  tslab.display.png(pngBytes(pic));
}

/**
 * A position map as a picture: x, y, z → R, G, B, each channel scaled to [0, 255] over the mask's
 * range; black outside the mask.
 * @param pm [R*R*3] position map. @param mask [R*R] 1 inside the face.
 */
export function positionMapPicture(pm: Float32Array, mask: Uint8Array, resolution: number): Picture {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let k = 0; k < 3; k++) {
      lo[k] = Math.min(lo[k], pm[3 * p + k]);
      hi[k] = Math.max(hi[k], pm[3 * p + k]);
    }
  }
  const pic = blank(resolution, resolution, COLOR.black);
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let k = 0; k < 3; k++) pic.data[3 * p + k] = Math.round((255 * (pm[3 * p + k] - lo[k])) / Math.max(1e-9, hi[k] - lo[k]));
  }
  return pic;
}

/**
 * A shaded render of a triangle mesh seen along −z (orthographic; x right, y down, z towards the
 * viewer — the image frame): z-buffer by core's `rasterizeDepth`, Lambert shading from the depth
 * map's normals, light from the viewer's upper left. The mesh is fitted into `size` × `size`.
 */
export function renderMesh(vertices: ArrayLike<number>, triangles: ArrayLike<number>, size: number, background: Rgb = COLOR.white): Picture {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < vertices.length; i += 3) {
    x0 = Math.min(x0, vertices[i]);
    x1 = Math.max(x1, vertices[i]);
    y0 = Math.min(y0, vertices[i + 1]);
    y1 = Math.max(y1, vertices[i + 1]);
  }
  const cell = (Math.max(x1 - x0, y1 - y0) * 1.08) / size;
  const originX = (x0 + x1) / 2 - (size * cell) / 2;
  const originY = (y0 + y1) / 2 - (size * cell) / 2;
  const depth = rasterizeDepth(vertices, triangles, size, size, { originX, originY, cellSize: cell });
  const light = [-0.35, -0.45, 0.82];
  const norm = Math.hypot(light[0], light[1], light[2]);
  const pic = blank(size, size, background);
  const at = (c: number, r: number) => (c < 0 || r < 0 || c >= size || r >= size ? -Infinity : depth[r * size + c]);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const z = at(c, r);
      if (z === -Infinity) continue;
      // Central differences where both neighbours are on the surface, else one-sided.
      const zl = at(c - 1, r), zr = at(c + 1, r), zu = at(c, r - 1), zd = at(c, r + 1);
      const dzdx = (zr !== -Infinity ? zr : z) - (zl !== -Infinity ? zl : z);
      const dzdy = (zd !== -Infinity ? zd : z) - (zu !== -Infinity ? zu : z);
      const spanX = (zr !== -Infinity ? 1 : 0) + (zl !== -Infinity ? 1 : 0) || 1;
      const spanY = (zd !== -Infinity ? 1 : 0) + (zu !== -Infinity ? 1 : 0) || 1;
      // Surface z(x, y) with z towards the viewer: normal ∝ (−∂z/∂x, −∂z/∂y, 1) in cell units.
      const nx = -dzdx / (spanX * cell), ny = -dzdy / (spanY * cell), nz = 1;
      const lambert = Math.max(0, (nx * light[0] + ny * light[1] + nz * light[2]) / (Math.hypot(nx, ny, nz) * norm));
      const shade = 0.18 + 0.82 * lambert;
      pic.data[3 * (r * size + c)] = Math.round(235 * shade);
      pic.data[3 * (r * size + c) + 1] = Math.round(205 * shade);
      pic.data[3 * (r * size + c) + 2] = Math.round(185 * shade);
    }
  }
  return pic;
}

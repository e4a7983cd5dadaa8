import type { RgbImage } from './core-deps.js';
import type { RenderedFace } from './face-renderer.js';
import { writeImage } from './image-io.js';

export interface ContactSheetOptions {
  /** Images per row. [ceil(sqrt(n))] */
  readonly columns?: number;
  /** Landmark dot radius in pixels. [max(1, tile/128)] */
  readonly dotRadius?: number;
  /** Gap between tiles in pixels. [4] */
  readonly gap?: number;
}

/**
 * Tiles rendered faces into one RGB image (each at its own size, on a grid of the largest tile)
 * and draws the 68 landmarks as dots: green where visible, red where occluded.
 */
export function contactSheet(faces: readonly RenderedFace[], options: ContactSheetOptions = {}): RgbImage {
  if (faces.length === 0) throw new RangeError('contact sheet needs at least one face');
  const cols = options.columns ?? Math.ceil(Math.sqrt(faces.length));
  const rows = Math.ceil(faces.length / cols);
  const tileW = Math.max(...faces.map((f) => f.image.width));
  const tileH = Math.max(...faces.map((f) => f.image.height));
  const gap = options.gap ?? 4;
  const W = cols * tileW + (cols + 1) * gap;
  const H = rows * tileH + (rows + 1) * gap;
  const data = new Uint8Array(W * H * 3).fill(32);
  const radius = options.dotRadius ?? Math.max(1, Math.round(tileW / 128));
  faces.forEach((face, i) => {
    const ox = gap + (i % cols) * (tileW + gap);
    const oy = gap + Math.floor(i / cols) * (tileH + gap);
    const { width, height, channels, data: src } = face.image;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const s = (r * width + c) * channels;
        const d = ((oy + r) * W + ox + c) * 3;
        data[d] = src[s];
        data[d + 1] = src[s + (channels >= 3 ? 1 : 0)];
        data[d + 2] = src[s + (channels >= 3 ? 2 : 0)];
      }
    }
    for (let k = 0; k < 68; k++) {
      const x = face.landmarks68[k * 3];
      const y = face.landmarks68[k * 3 + 1];
      const color = face.landmarkVisible[k] ? [40, 255, 60] : [255, 40, 40];
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          if (dx * dx + dy * dy > radius * radius) continue;
          const c = Math.floor(x) + dx;
          const r = Math.floor(y) + dy;
          if (c < 0 || r < 0 || c >= width || r >= height) continue;
          const d = ((oy + r) * W + ox + c) * 3;
          data[d] = color[0];
          data[d + 1] = color[1];
          data[d + 2] = color[2];
        }
      }
    }
  });
  return { width: W, height: H, channels: 3, data };
}

/** Writes `contactSheet(faces)` to `path` (PNG, or JPEG by extension). */
export function writeContactSheet(faces: readonly RenderedFace[], path: string, options?: ContactSheetOptions): void {
  writeImage(contactSheet(faces, options), path);
}

import type { RgbImage } from '@prnet/core';
import { datasetContactSheet } from '../data/contact-sheet.js';
import type { Sample } from '../data/sample.js';

/** One tile of a labelled-photo contact sheet. */
export interface LabelSheetItem {
  readonly sample: Sample;
  /** 21 × [x, y] | null human annotations (image pixels), drawn as white-ringed magenta dots. */
  readonly annotations?: readonly (readonly [number, number] | null)[];
}

/** Nearest-neighbour upscale of an RGB image by an integer factor. */
function upscale(image: RgbImage, k: number): RgbImage {
  const W = image.width * k;
  const H = image.height * k;
  const data = new Uint8Array(W * H * 3);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const s = (Math.floor(r / k) * image.width + Math.floor(c / k)) * image.channels;
      const d = (r * W + c) * 3;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
    }
  }
  return { width: W, height: H, channels: 3, data };
}

/**
 * The dataset contact sheet (`datasetContactSheet`: position-map dots coloured by depth, 68
 * landmarks) of labelled photos, each upscaled `scale`× so that small crops stay readable, with
 * the human AFLW-21 annotations drawn on top for comparison.
 */
export function labelContactSheet(items: readonly LabelSheetItem[], options: { readonly scale?: number; readonly columns?: number } = {}): RgbImage {
  const k = options.scale ?? 2;
  const samples: Sample[] = items.map(({ sample }) => ({
    ...sample,
    image: upscale(sample.image, k),
    positionMap: sample.positionMap.map((v) => v * k),
    landmarks68: sample.landmarks68.map((v) => v * k),
  }));
  const sheet = datasetContactSheet(samples, { columns: options.columns, step: 6 });
  // Same grid as datasetContactSheet: tiles of the largest side with a 4-pixel gap.
  const cols = options.columns ?? Math.ceil(Math.sqrt(samples.length));
  const tile = Math.max(...samples.map((s) => s.image.width));
  const gap = 4;
  items.forEach((item, n) => {
    if (!item.annotations) return;
    const ox = gap + (n % cols) * (tile + gap);
    const oy = gap + Math.floor(n / cols) * (tile + gap);
    for (const p of item.annotations) {
      if (!p) continue;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const d2 = dx * dx + dy * dy;
          if (d2 > 5) continue;
          const x = Math.floor(p[0] * k) + dx;
          const y = Math.floor(p[1] * k) + dy;
          if (x < 0 || y < 0 || x >= tile || y >= tile) continue;
          const o = ((oy + y) * sheet.width + ox + x) * 3;
          const colour = d2 > 2 ? [255, 255, 255] : [255, 0, 255];
          sheet.data[o] = colour[0];
          sheet.data[o + 1] = colour[1];
          sheet.data[o + 2] = colour[2];
        }
      }
    }
  });
  return sheet;
}

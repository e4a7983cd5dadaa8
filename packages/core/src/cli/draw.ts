import type { RgbImage } from '../image/rgb-image.js';

/** A 3-channel copy of an image (gray / RGBA → RGB), for drawing on. */
export function toRgb(image: RgbImage): { width: number; height: number; channels: 3; data: Uint8Array } {
  const { width, height, channels, data } = image;
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = data[p * channels + (channels === 1 ? 0 : c)];
  }
  return { width, height, channels: 3, data: out };
}

/** Draws filled dots (radius in pixels) at xy points (stride numbers per point), in place. */
export function drawDots(
  image: { width: number; height: number; data: Uint8Array },
  points: ArrayLike<number>,
  stride: number,
  color: readonly [number, number, number],
  radius: number,
): void {
  const { width, height, data } = image;
  for (let i = 0; i + 1 < points.length; i += stride) {
    const cx = points[i];
    const cy = points[i + 1];
    for (let y = Math.floor(cy - radius); y <= Math.ceil(cy + radius); y++) {
      for (let x = Math.floor(cx - radius); x <= Math.ceil(cx + radius); x++) {
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > radius * radius) continue;
        data.set(color, (y * width + x) * 3);
      }
    }
  }
}

/** Draws an axis-aligned rectangle outline, in place. */
export function drawBox(
  image: { width: number; height: number; data: Uint8Array },
  box: readonly [number, number, number, number],
  color: readonly [number, number, number],
): void {
  const { width, height, data } = image;
  const [x0, y0, x1, y1] = box.map(Math.round);
  const put = (x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < width && y < height) data.set(color, (y * width + x) * 3);
  };
  for (let x = x0; x <= x1; x++) {
    put(x, y0);
    put(x, y1);
  }
  for (let y = y0; y <= y1; y++) {
    put(x0, y);
    put(x1, y);
  }
}

/**
 * A decoded image as plain data: row-major, top row first, `channels` interleaved 8-bit values
 * per pixel (1 = gray, 3 = RGB, 4 = RGBA). `ImageData` satisfies this shape with channels = 4.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array | Uint8ClampedArray;
}

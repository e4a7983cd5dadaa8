/**
 * The browser test's clip stamps each frame's index as a row of black/white 8×8-pixel blocks in
 * its top-left corner (bit 0 first, `CLIP_CODE_BITS` bits). Reading it back tells which clip frame
 * a tracking step saw. Only used with `?test=1`.
 */
export const CLIP_CODE_BITS = 10;
export const CLIP_CODE_BLOCK = 8;

let canvas: HTMLCanvasElement | undefined;

export function readClipCode(video: HTMLVideoElement): number {
  canvas ??= document.createElement('canvas');
  const width = CLIP_CODE_BITS * CLIP_CODE_BLOCK;
  canvas.width = width;
  canvas.height = CLIP_CODE_BLOCK;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return -1;
  ctx.drawImage(video, 0, 0, width, CLIP_CODE_BLOCK, 0, 0, width, CLIP_CODE_BLOCK);
  const data = ctx.getImageData(0, 0, width, CLIP_CODE_BLOCK).data;
  let code = 0;
  for (let bit = 0; bit < CLIP_CODE_BITS; bit++) {
    const x = bit * CLIP_CODE_BLOCK + CLIP_CODE_BLOCK / 2;
    const y = CLIP_CODE_BLOCK / 2;
    const i = (y * width + x) * 4;
    if (data[i] > 127) code |= 1 << bit;
  }
  return code;
}

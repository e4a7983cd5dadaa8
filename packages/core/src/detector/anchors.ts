/**
 * BlazeFace's 896 SSD anchors for a square input of `inputSize` pixels: a 16×16 grid with 2
 * anchors per cell (stride inputSize/16), then an 8×8 grid with 6 per cell (stride inputSize/8),
 * row-major (y outer, x inner), in the order of the model's regressor and logit rows.
 *
 * Returns [896 * 2] anchor centres (x, y) in input pixels, continuous coordinates (the cell
 * (gx, gy) has its centre at stride × (g + ½)). BlazeFace's anchors all have unit size, so the
 * regressed box width/height are absolute (input pixels), not relative to the anchor.
 */
export function blazeFaceAnchors(inputSize: number): Float32Array {
  const layers: readonly (readonly [grid: number, perCell: number])[] = [
    [16, 2],
    [8, 6],
  ];
  const count = layers.reduce((n, [grid, perCell]) => n + grid * grid * perCell, 0);
  const anchors = new Float32Array(count * 2);
  let k = 0;
  for (const [grid, perCell] of layers) {
    const stride = inputSize / grid;
    for (let gy = 0; gy < grid; gy++) {
      for (let gx = 0; gx < grid; gx++) {
        for (let n = 0; n < perCell; n++, k += 2) {
          anchors[k] = stride * (gx + 0.5);
          anchors[k + 1] = stride * (gy + 0.5);
        }
      }
    }
  }
  return anchors;
}

/** Rows of the first (stride inputSize/16) and second (stride inputSize/8) anchor layers. */
export const BLAZEFACE_LAYER_ROWS = [512, 384] as const;

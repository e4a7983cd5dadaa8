import { REGION, WEIGHT, type UvLayout } from '../uv/layout.js';

/** Options of `syntheticLayout`. */
export interface SyntheticLayoutOptions {
  /** Side R of the position map. Default 48 (any value ≥ 16 works). */
  resolution?: number;
  /** Face half-width in cm (model x). Default 7. */
  halfWidth?: number;
  /** Face half-height in cm (model y). Default 9. */
  halfHeight?: number;
  /** Depth of the ellipsoid cap in cm (model z at the centre, 0 at the rim). Default 6. */
  depth?: number;
  /** Height of the Gaussian nose bump in cm (0 = no nose). Default 2.5. */
  noseHeight?: number;
}

/** UV centre (u, v) and radii of the face ellipse inside the UV square. */
const FACE_U = 0.5;
const FACE_V = 0.5;
const FACE_RU = 0.44;
const FACE_RV = 0.46;

/**
 * A small, synthetic `UvLayout` for unit tests: an ellipsoid-cap "face" with a nose bump.
 *
 * The mask is the ellipse ((u − 0.5)/0.44)² + ((v − 0.5)/0.46)² < 1 in UV space; the mean face
 * maps UV linearly to model x/y (x = (u − 0.5)/0.44 · halfWidth, y = (v − 0.5)/0.46 · halfHeight,
 * cm, y up) with z = depth·√(1 − ρ²) + a nose bump (z out of the face). Triangles are the grid
 * triangulation (two per fully-masked pixel quad, one per quad with three masked corners),
 * counter-clockwise seen from the front. The 68 landmarks sit at Multi-PIE-like places (jaw on the
 * lower rim, brows, nose, eyes, mouth), snapped to mask pixels; regions and weights follow
 * PRNet's scheme (landmarks 16, eyes/nose/mouth 4, face 3).
 *
 * Deterministic; not the real ICT layout — only its shape and conventions.
 */
export function syntheticLayout(options: SyntheticLayoutOptions = {}): UvLayout {
  const R = options.resolution ?? 48;
  const halfWidth = options.halfWidth ?? 7;
  const halfHeight = options.halfHeight ?? 9;
  const depth = options.depth ?? 6;
  const noseHeight = options.noseHeight ?? 2.5;

  const mask = new Uint8Array(R * R);
  const meanFace = new Float32Array(R * R * 3);
  const regions = new Uint8Array(R * R);
  const pixels: number[] = [];
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < R; c++) {
      const u = (c + 0.5) / R;
      const v = 1 - (r + 0.5) / R;
      const nx = (u - FACE_U) / FACE_RU;
      const ny = (v - FACE_V) / FACE_RV;
      const rho2 = nx * nx + ny * ny;
      if (rho2 >= 1) continue;
      const p = r * R + c;
      mask[p] = 1;
      pixels.push(p);
      const noseDx = nx / 0.14;
      const noseDy = (ny + 0.05) / 0.3;
      const z = depth * Math.sqrt(1 - rho2) + noseHeight * Math.exp(-(noseDx * noseDx + noseDy * noseDy));
      meanFace[p * 3] = nx * halfWidth;
      meanFace[p * 3 + 1] = ny * halfHeight;
      meanFace[p * 3 + 2] = z;
      regions[p] = regionAt(nx, ny);
    }
  }
  const vertexPixels = Uint32Array.from(pixels);
  const vertexOf = new Int32Array(R * R).fill(-1);
  for (let k = 0; k < vertexPixels.length; k++) vertexOf[vertexPixels[k]] = k;

  // Grid triangulation. Pixel quad corners: a = (r, c) top-left, b = (r, c+1) top-right,
  // d = (r+1, c) bottom-left, e = (r+1, c+1) bottom-right; with v up, a→d→b and b→d→e are CCW.
  const tris: number[] = [];
  for (let r = 0; r + 1 < R; r++) {
    for (let c = 0; c + 1 < R; c++) {
      const a = vertexOf[r * R + c];
      const b = vertexOf[r * R + c + 1];
      const d = vertexOf[(r + 1) * R + c];
      const e = vertexOf[(r + 1) * R + c + 1];
      const count = (a >= 0 ? 1 : 0) + (b >= 0 ? 1 : 0) + (d >= 0 ? 1 : 0) + (e >= 0 ? 1 : 0);
      if (count === 4) tris.push(a, d, b, b, d, e);
      else if (count === 3) {
        if (a < 0) tris.push(b, d, e);
        else if (b < 0) tris.push(a, d, e);
        else if (d < 0) tris.push(a, e, b);
        else tris.push(a, d, b);
      }
    }
  }

  const landmarkPixels = Uint32Array.from(LANDMARKS_NORMALISED.map(([nx, ny]) => nearestMaskPixel(mask, R, nx, ny)));
  const weightMask = new Float32Array(R * R);
  for (let p = 0; p < R * R; p++) {
    const region = regions[p];
    if (region === REGION.OUTSIDE) continue;
    weightMask[p] = region === REGION.FACE ? WEIGHT.FACE : WEIGHT.EYES_NOSE_MOUTH;
  }
  for (const p of landmarkPixels) weightMask[p] = WEIGHT.LANDMARK;

  return {
    resolution: R,
    mask,
    vertexPixels,
    triangles: Uint32Array.from(tris),
    landmarkPixels,
    weightMask,
    regions,
    meanFace,
  };
}

/** Region label at normalised face coordinates (nx, ny ∈ (−1, 1), y up). */
function regionAt(nx: number, ny: number): number {
  const eye = (cx: number) => ((nx - cx) / 0.17) ** 2 + ((ny - 0.25) / 0.08) ** 2 < 1;
  if (eye(-0.38)) return REGION.EYE_IMAGE_LEFT;
  if (eye(0.38)) return REGION.EYE_IMAGE_RIGHT;
  if (Math.abs(nx) < 0.15 && ny > -0.3 && ny < 0.2) return REGION.NOSE;
  if ((nx / 0.35) ** 2 + ((ny + 0.5) / 0.12) ** 2 < 1) return REGION.MOUTH;
  return REGION.FACE;
}

/** The pixel of `mask` whose centre is nearest to normalised face point (nx, ny). */
function nearestMaskPixel(mask: Uint8Array, R: number, nx: number, ny: number): number {
  const u = FACE_U + nx * FACE_RU;
  const v = FACE_V + ny * FACE_RV;
  let best = -1;
  let bestD = Infinity;
  for (let p = 0; p < R * R; p++) {
    if (!mask[p]) continue;
    const pu = ((p % R) + 0.5) / R;
    const pv = 1 - (Math.floor(p / R) + 0.5) / R;
    const d = (pu - u) ** 2 + (pv - v) ** 2;
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  return best;
}

/** Multi-PIE-like 68 landmark places in normalised face coordinates (x right, y up). */
const LANDMARKS_NORMALISED: readonly (readonly [number, number])[] = (() => {
  const pts: [number, number][] = [];
  // 0–16 jaw: lower rim from image-left temple to image-right temple.
  for (let i = 0; i < 17; i++) {
    const t = Math.PI + (i / 16) * Math.PI; // π … 2π (lower half)
    pts.push([0.88 * Math.cos(t), 0.15 + 0.85 * Math.sin(t)]);
  }
  // 17–21, 22–26 brows.
  for (let i = 0; i < 5; i++) pts.push([-0.62 + i * 0.12, 0.42 + 0.04 * Math.sin((i / 4) * Math.PI)]);
  for (let i = 0; i < 5; i++) pts.push([0.14 + i * 0.12, 0.42 + 0.04 * Math.sin((i / 4) * Math.PI)]);
  // 27–30 nose bridge, 31–35 nostrils.
  for (let i = 0; i < 4; i++) pts.push([0, 0.25 - i * 0.13]);
  for (let i = 0; i < 5; i++) pts.push([-0.16 + i * 0.08, -0.2]);
  // 36–41, 42–47 eyes (outer corner first, clockwise on screen).
  for (const cx of [-0.38, 0.38]) {
    for (let i = 0; i < 6; i++) {
      const t = Math.PI - (i / 6) * 2 * Math.PI;
      pts.push([cx + 0.14 * Math.cos(t) * (cx < 0 ? 1 : -1), 0.25 + 0.05 * Math.sin(t)]);
    }
  }
  // 48–59 outer lip, 60–67 inner lip.
  for (let i = 0; i < 12; i++) {
    const t = Math.PI - (i / 12) * 2 * Math.PI;
    pts.push([0.3 * Math.cos(t), -0.5 + 0.1 * Math.sin(t)]);
  }
  for (let i = 0; i < 8; i++) {
    const t = Math.PI - (i / 8) * 2 * Math.PI;
    pts.push([0.2 * Math.cos(t), -0.5 + 0.04 * Math.sin(t)]);
  }
  return pts;
})();

import { createRng, gaussian, mixRgb, srgb8ToLinear, uniform, valueNoise3, type Rgb, type Rng } from './procedural.js';
import type { RgbImage } from './core-deps.js';
import type { RasterTarget } from './rasteriser.js';

/** The image background painted behind the head. Colours are sRGB bytes (0–255). */
export type Background =
  | { readonly kind: 'flat'; readonly color: Rgb }
  | { readonly kind: 'gradient'; readonly from: Rgb; readonly to: Rgb; /** Direction in radians (0 = left→right, π/2 = top→bottom). */ readonly angle: number }
  | { readonly kind: 'noise'; readonly colors: readonly Rgb[]; /** Blob size as a fraction of the image side, e.g. 0.2. */ readonly blobSize: number }
  | {
      readonly kind: 'image';
      /** A decoded photo (3 or 4 channels; alpha is ignored). */
      readonly image: RgbImage;
      /** The part of `image` stretched over the whole output: [x, y, width, height] in source pixels (a negative width mirrors it, starting at x). */
      readonly crop: readonly [number, number, number, number];
      /** Where the photo came from (a file name), for the record only. */
      readonly source?: string;
    };

/**
 * Procedural appearance of a rendered face. Every field is optional; defaults in brackets.
 * Colours are sRGB bytes (0–255) unless stated; directions are in the camera frame
 * (x right, y up, z towards the viewer; see `RenderParams.rotation`).
 */
export interface Appearance {
  /** Skin tone from very light (0) to very dark (1). [0.3] */
  readonly skinTone?: number;
  /** Skin undertone: −1 yellow/olive … +1 pink/red. [0] */
  readonly skinUndertone?: number;
  /** Strength of the skin's blotches and colour noise, 0–1. [0.5] */
  readonly skinNoise?: number;
  /** Hair and eyebrow colour. [dark brown (45, 30, 22)] */
  readonly hairColor?: Rgb;
  /** How much of the scalp is covered by (short) hair, 0 = bald, 1 = full. [1] */
  readonly hair?: number;
  /** Eyebrow darkness, 0–1. [0.85] */
  readonly brows?: number;
  /** Lip redness, 0–1. [0.5] */
  readonly lips?: number;
  /** Stubble / beard shadow, 0–1. [0] */
  readonly beard?: number;
  /** Iris colour. [brown (95, 60, 35)] */
  readonly irisColor?: Rgb;
  /** Direction towards the key light in the camera frame (normalised internally). [(−0.35, 0.45, 0.82)] */
  readonly lightDirection?: readonly [number, number, number];
  /** Key light colour as a linear multiplier per channel. [(1, 0.97, 0.92)] */
  readonly lightColor?: readonly [number, number, number];
  /** Key light intensity. [0.85] */
  readonly lightIntensity?: number;
  /** Ambient (sky) light intensity. [0.35] */
  readonly ambient?: number;
  /** Specular strength of skin, 0–1. [0.12] */
  readonly specular?: number;
  /** Overall exposure multiplier. [1] */
  readonly exposure?: number;
  /** Background. [flat light grey] */
  readonly background?: Background;
  /** Seed of the skin noise, blotch pattern and sensor noise. [0] */
  readonly seed?: number;
  /** Gaussian sensor noise, standard deviation in 8-bit units. [0] */
  readonly sensorNoise?: number;
  /** Gaussian blur of the image (not the labels): standard deviation in output pixels, applied before the sensor noise; 0 = none. [0] */
  readonly blur?: number;
  /** Pass the finished image through a JPEG encode + decode at this quality (1–100) for compression artefacts; undefined = none. */
  readonly jpegQuality?: number;
  /** Render at this multiple of the image size and box-filter down (anti-aliasing): 1, 2 or 3. [1] */
  readonly supersample?: number;
  /** Draw the ICT eyelash meshes (dark, opaque cards; they look heavy). [false] */
  readonly eyelashes?: boolean;
}

/** `Appearance` with every default filled in, colours converted to linear light. */
export interface ResolvedAppearance {
  readonly skin: Rgb;
  readonly skinNoise: number;
  readonly hairColor: Rgb;
  readonly hair: number;
  readonly brows: number;
  readonly lips: number;
  readonly beard: number;
  readonly irisColor: Rgb;
  readonly lightDirection: readonly [number, number, number];
  readonly lightColor: readonly [number, number, number];
  readonly ambient: number;
  readonly specular: number;
  readonly exposure: number;
  readonly background: Background;
  readonly seed: number;
  readonly sensorNoise: number;
  readonly blur: number;
  readonly jpegQuality: number | undefined;
  readonly supersample: number;
  readonly eyelashes: boolean;
}

/** sRGB skin colours from very light to very dark, evenly spaced in tone. */
const SKIN_PALETTE: readonly Rgb[] = [
  [247, 216, 196],
  [232, 190, 160],
  [214, 165, 128],
  [186, 132, 96],
  [150, 100, 68],
  [112, 72, 48],
  [74, 47, 33],
];

/** Linear-light skin albedo for a tone in [0, 1] and an undertone in [−1, 1]. */
export function skinAlbedo(tone: number, undertone = 0): [number, number, number] {
  const t = Math.min(1, Math.max(0, tone)) * (SKIN_PALETTE.length - 1);
  const i = Math.min(SKIN_PALETTE.length - 2, Math.floor(t));
  const c = mixRgb(SKIN_PALETTE[i], SKIN_PALETTE[i + 1], t - i);
  const u = Math.min(1, Math.max(-1, undertone));
  const lin = srgb8ToLinear(c[0], c[1] * (1 - 0.04 * u), c[2] * (1 - 0.08 * u));
  return lin;
}

const DEFAULT_BACKGROUND: Background = { kind: 'flat', color: [200, 200, 198] };

export function resolveAppearance(a: Appearance = {}): ResolvedAppearance {
  const d = a.lightDirection ?? [-0.35, 0.45, 0.82];
  const n = Math.hypot(d[0], d[1], d[2]) || 1;
  const lc = a.lightColor ?? [1, 0.97, 0.92];
  const li = a.lightIntensity ?? 0.85;
  const hair = a.hairColor ?? [45, 30, 22];
  const iris = a.irisColor ?? [95, 60, 35];
  const ss = Math.round(a.supersample ?? 1);
  if (!(ss >= 1 && ss <= 4)) throw new RangeError(`supersample must be 1–4, got ${a.supersample}`);
  const blur = a.blur ?? 0;
  if (!(blur >= 0 && blur <= 50)) throw new RangeError(`blur must be in [0, 50] pixels, got ${a.blur}`);
  if (a.jpegQuality !== undefined && !(a.jpegQuality >= 1 && a.jpegQuality <= 100)) {
    throw new RangeError(`jpegQuality must be in [1, 100], got ${a.jpegQuality}`);
  }
  return {
    skin: skinAlbedo(a.skinTone ?? 0.3, a.skinUndertone ?? 0),
    skinNoise: a.skinNoise ?? 0.5,
    hairColor: srgb8ToLinear(hair[0], hair[1], hair[2]),
    hair: a.hair ?? 1,
    brows: a.brows ?? 0.85,
    lips: a.lips ?? 0.5,
    beard: a.beard ?? 0,
    irisColor: srgb8ToLinear(iris[0], iris[1], iris[2]),
    lightDirection: [d[0] / n, d[1] / n, d[2] / n],
    lightColor: [lc[0] * li, lc[1] * li, lc[2] * li],
    ambient: a.ambient ?? 0.35,
    specular: a.specular ?? 0.12,
    exposure: a.exposure ?? 1,
    background: a.background ?? DEFAULT_BACKGROUND,
    seed: a.seed ?? 0,
    sensorNoise: a.sensorNoise ?? 0,
    blur,
    jpegQuality: a.jpegQuality,
    supersample: ss,
    eyelashes: a.eyelashes ?? false,
  };
}

/** Paints `background` into the target's colour buffer (linear light); depth/ids are untouched. */
export function paintBackground(target: RasterTarget, background: Background, seed: number): void {
  const { width: W, height: H, color } = target;
  if (background.kind === 'flat') {
    const c = srgb8ToLinear(...background.color);
    for (let i = 0; i < W * H; i++) {
      color[i * 3] = c[0];
      color[i * 3 + 1] = c[1];
      color[i * 3 + 2] = c[2];
    }
    return;
  }
  if (background.kind === 'image') {
    paintImageBackground(target, background.image, background.crop);
    return;
  }
  if (background.kind === 'gradient') {
    const a = srgb8ToLinear(...background.from);
    const b = srgb8ToLinear(...background.to);
    const dx = Math.cos(background.angle);
    const dy = Math.sin(background.angle);
    // Project the corners to find the range of the gradient coordinate.
    const proj = [0, W * dx, H * dy, W * dx + H * dy];
    const lo = Math.min(...proj);
    const span = Math.max(...proj) - lo || 1;
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const t = ((c + 0.5) * dx + (r + 0.5) * dy - lo) / span;
        const o = (r * W + c) * 3;
        color[o] = a[0] + (b[0] - a[0]) * t;
        color[o + 1] = a[1] + (b[1] - a[1]) * t;
        color[o + 2] = a[2] + (b[2] - a[2]) * t;
      }
    }
    return;
  }
  const palette = background.colors.map((c) => srgb8ToLinear(c[0], c[1], c[2]));
  if (palette.length === 0) throw new RangeError('noise background needs at least one colour');
  const side = Math.max(W, H);
  const freq = 1 / (Math.max(0.02, background.blobSize) * side);
  // Evaluate the (smooth) noise on a coarse grid and interpolate bilinearly: 10–20× cheaper.
  const step = Math.max(1, Math.min(8, Math.floor(Math.max(0.02, background.blobSize) * side / 6)));
  const gw = Math.ceil(W / step) + 1;
  const gh = Math.ceil(H / step) + 1;
  const grid = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) {
    for (let i = 0; i < gw; i++) {
      const x = i * step * freq;
      const y = j * step * freq;
      const t = 0.5 + 0.55 * valueNoise3(x, y, 0.5, seed) + 0.25 * valueNoise3(x * 2.3, y * 2.3, 1.5, seed + 7);
      grid[j * gw + i] = Math.min(1, Math.max(0, t)) * (palette.length - 1);
    }
  }
  for (let r = 0; r < H; r++) {
    const gy = r / step;
    const j = Math.floor(gy);
    const fy = gy - j;
    for (let c = 0; c < W; c++) {
      const gx = c / step;
      const i = Math.floor(gx);
      const fx = gx - i;
      const g0 = grid[j * gw + i] + (grid[j * gw + i + 1] - grid[j * gw + i]) * fx;
      const g1 = grid[(j + 1) * gw + i] + (grid[(j + 1) * gw + i + 1] - grid[(j + 1) * gw + i]) * fx;
      const t = g0 + (g1 - g0) * fy;
      const k = Math.min(palette.length - 2, Math.floor(t));
      const p0 = palette[Math.max(0, k)];
      const p1 = palette[Math.min(palette.length - 1, k + 1)];
      const f = palette.length === 1 ? 0 : t - k;
      const o = (r * W + c) * 3;
      color[o] = p0[0] + (p1[0] - p0[0]) * f;
      color[o + 1] = p0[1] + (p1[1] - p0[1]) * f;
      color[o + 2] = p0[2] + (p1[2] - p0[2]) * f;
    }
  }
}

/** Stretches `crop` of `image` (sRGB bytes) over the whole target, bilinear, in linear light. */
function paintImageBackground(target: RasterTarget, image: RgbImage, crop: readonly [number, number, number, number]): void {
  const { width: W, height: H, color } = target;
  const { width: IW, height: IH, channels: C, data } = image;
  if (!(IW > 0 && IH > 0 && C >= 3)) throw new RangeError(`image background needs a 3- or 4-channel image, got ${IW}×${IH}×${C}`);
  const [x0, y0, cw, ch] = crop;
  if (![x0, y0, cw, ch].every(Number.isFinite) || !(cw !== 0 && ch !== 0)) throw new RangeError(`image background crop must be finite with non-zero size, got [${crop.join(', ')}]`);
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = srgb8ToLinear(v, v, v)[0];
  const sx = cw / W;
  const sy = ch / H;
  const xi = new Int32Array(W);
  const xf = new Float32Array(W);
  for (let c = 0; c < W; c++) {
    const x = Math.min(IW - 1, Math.max(0, x0 + (c + 0.5) * sx - 0.5));
    xi[c] = IW === 1 ? 0 : Math.min(IW - 2, Math.floor(x));
    xf[c] = IW === 1 ? 0 : x - xi[c];
  }
  const dx = IW === 1 ? 0 : C;
  for (let r = 0; r < H; r++) {
    const y = Math.min(IH - 1, Math.max(0, y0 + (r + 0.5) * sy - 0.5));
    const j = IH === 1 ? 0 : Math.min(IH - 2, Math.floor(y));
    const fy = IH === 1 ? 0 : y - j;
    const row0 = j * IW * C;
    const row1 = IH === 1 ? row0 : row0 + IW * C;
    for (let c = 0; c < W; c++) {
      const fx = xf[c];
      const p0 = row0 + xi[c] * C;
      const p1 = row1 + xi[c] * C;
      const o = (r * W + c) * 3;
      for (let k = 0; k < 3; k++) {
        const a = lut[data[p0 + k]] + (lut[data[p0 + dx + k]] - lut[data[p0 + k]]) * fx;
        const b = lut[data[p1 + k]] + (lut[data[p1 + dx + k]] - lut[data[p1 + k]]) * fx;
        color[o + k] = a + (b - a) * fy;
      }
    }
  }
}

/**
 * Gaussian blur (standard deviation `sigma` pixels) of a W×H×3 float buffer in place: separable,
 * kernel radius ⌈3σ⌉, edges clamped. Cheap at training sizes (≈ 2·(2r+1) multiply-adds per value).
 */
export function gaussianBlur3(buffer: Float32Array, width: number, height: number, sigma: number): void {
  if (!(sigma > 0)) return;
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  const tmp = new Float32Array(buffer.length);
  // Horizontal pass buffer → tmp.
  for (let r = 0; r < height; r++) {
    const row = r * width;
    for (let c = 0; c < width; c++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let k = -radius; k <= radius; k++) {
        const cc = c + k < 0 ? 0 : c + k >= width ? width - 1 : c + k;
        const w = kernel[k + radius];
        const p = (row + cc) * 3;
        s0 += w * buffer[p];
        s1 += w * buffer[p + 1];
        s2 += w * buffer[p + 2];
      }
      const o = (row + c) * 3;
      tmp[o] = s0;
      tmp[o + 1] = s1;
      tmp[o + 2] = s2;
    }
  }
  // Vertical pass tmp → buffer.
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let k = -radius; k <= radius; k++) {
        const rr = r + k < 0 ? 0 : r + k >= height ? height - 1 : r + k;
        const w = kernel[k + radius];
        const p = (rr * width + c) * 3;
        s0 += w * tmp[p];
        s1 += w * tmp[p + 1];
        s2 += w * tmp[p + 2];
      }
      const o = (r * width + c) * 3;
      buffer[o] = s0;
      buffer[o + 1] = s1;
      buffer[o + 2] = s2;
    }
  }
}

const HAIR_COLORS: readonly Rgb[] = [
  [25, 18, 14],
  [45, 30, 22],
  [70, 45, 28],
  [105, 72, 45],
  [150, 110, 70],
  [190, 160, 115],
  [120, 55, 30],
  [140, 135, 130],
];
const IRIS_COLORS: readonly Rgb[] = [
  [70, 42, 25],
  [95, 60, 35],
  [120, 85, 45],
  [80, 110, 140],
  [90, 120, 80],
  [110, 100, 70],
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** A random colour with brightness in [lo, hi] and moderate saturation. */
function randomColor(rng: Rng, lo: number, hi: number): Rgb {
  const grey = uniform(rng, lo, hi);
  const sat = rng() * rng() * 0.8;
  return [0, 1, 2].map(() => Math.min(255, Math.max(0, grey * (1 + sat * uniform(rng, -1, 1))))) as unknown as Rgb;
}

/**
 * A random, plausible appearance for training data: skin tones uniform from light to dark, hair
 * and iris colours from small palettes, a key light from the front hemisphere with random
 * colour temperature, and a random flat/gradient/noise background. Deterministic for a seed.
 */
export function randomAppearance(seed: number): Appearance {
  const rng = createRng(seed * 7919 + 17);
  const azimuth = uniform(rng, -1.1, 1.1);
  const elevation = uniform(rng, -0.3, 0.9);
  const lightDirection: [number, number, number] = [
    Math.sin(azimuth) * Math.cos(elevation),
    Math.sin(elevation),
    Math.cos(azimuth) * Math.cos(elevation),
  ];
  const warm = uniform(rng, -0.12, 0.12);
  const kind = rng();
  let background: Background;
  if (kind < 0.3) background = { kind: 'flat', color: randomColor(rng, 20, 235) };
  else if (kind < 0.6) {
    background = { kind: 'gradient', from: randomColor(rng, 10, 240), to: randomColor(rng, 10, 240), angle: uniform(rng, 0, 2 * Math.PI) };
  } else {
    const n = 2 + Math.floor(rng() * 3);
    background = { kind: 'noise', colors: Array.from({ length: n }, () => randomColor(rng, 10, 245)), blobSize: uniform(rng, 0.08, 0.4) };
  }
  const skinTone = rng();
  // Darker skin → mostly dark hair.
  const hairColor = skinTone > 0.55 && rng() < 0.85 ? HAIR_COLORS[Math.floor(rng() * 2)] : pick(rng, HAIR_COLORS);
  return {
    skinTone,
    skinUndertone: uniform(rng, -1, 1),
    skinNoise: uniform(rng, 0.2, 1),
    hairColor,
    hair: rng() < 0.15 ? uniform(rng, 0, 0.4) : uniform(rng, 0.8, 1),
    brows: uniform(rng, 0.45, 0.95),
    lips: uniform(rng, 0.2, 0.9),
    beard: rng() < 0.25 ? uniform(rng, 0.15, 0.6) : 0,
    irisColor: pick(rng, IRIS_COLORS),
    lightDirection,
    lightColor: [1 + warm, 1, 1 - warm],
    lightIntensity: uniform(rng, 0.5, 1.1),
    ambient: uniform(rng, 0.15, 0.5),
    specular: uniform(rng, 0.03, 0.25),
    exposure: Math.exp(0.2 * gaussian(rng)),
    background,
    seed: Math.floor(rng() * 2 ** 31),
    sensorNoise: uniform(rng, 0, 4),
  };
}

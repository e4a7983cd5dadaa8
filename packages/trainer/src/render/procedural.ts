/**
 * Small deterministic building blocks for procedural appearance: a seeded PRNG, lattice value
 * noise in 2D/3D, and colour helpers. Everything is a pure function of its inputs and seed.
 */

/** A seeded uniform generator in [0, 1). */
export type Rng = () => number;

/** mulberry32: a fast 32-bit seeded PRNG (uniform in [0, 1)). Same seed → same sequence. */
export function createRng(seed: number): Rng {
  let a = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box–Muller) from `rng`. */
export function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Uniform in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Integer hash of lattice coordinates and a seed → [0, 1). */
function hash3(x: number, y: number, z: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x1b873593) ^ Math.imul(seed | 0, 0x5bd1e995);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

const fade = (t: number): number => t * t * (3 - 2 * t);
const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;

/** 3D value noise in [−1, 1] with unit lattice spacing (smooth, C1). */
export function valueNoise3(x: number, y: number, z: number, seed: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const zi = Math.floor(z);
  const tx = fade(x - xi);
  const ty = fade(y - yi);
  const tz = fade(z - zi);
  const c000 = hash3(xi, yi, zi, seed);
  const c100 = hash3(xi + 1, yi, zi, seed);
  const c010 = hash3(xi, yi + 1, zi, seed);
  const c110 = hash3(xi + 1, yi + 1, zi, seed);
  const c001 = hash3(xi, yi, zi + 1, seed);
  const c101 = hash3(xi + 1, yi, zi + 1, seed);
  const c011 = hash3(xi, yi + 1, zi + 1, seed);
  const c111 = hash3(xi + 1, yi + 1, zi + 1, seed);
  const v = lerp(
    lerp(lerp(c000, c100, tx), lerp(c010, c110, tx), ty),
    lerp(lerp(c001, c101, tx), lerp(c011, c111, tx), ty),
    tz,
  );
  return v * 2 - 1;
}

/** Fractal (fBm) 3D value noise, roughly in [−1, 1]: `octaves` octaves, each at twice the frequency and half the amplitude. */
export function fbm3(x: number, y: number, z: number, seed: number, octaves = 3): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amp * valueNoise3(x * f, y * f, z * f, seed + o * 101);
    norm += amp;
    amp *= 0.5;
    f *= 2;
  }
  return sum / norm;
}

/** Hermite smoothstep of x between edges e0 < e1, in [0, 1]. */
export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/** An RGB triple. Linear-light components in [0, 1] unless stated otherwise. */
export type Rgb = readonly [number, number, number];

/** sRGB-encoded 8-bit triple (0–255) → linear-light RGB in [0, 1]. */
export function srgb8ToLinear(r: number, g: number, b: number): [number, number, number] {
  const f = (c: number): number => {
    const x = c / 255;
    return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
  };
  return [f(r), f(g), f(b)];
}

/** Linear mix of two colours: a·(1 − t) + b·t. */
export function mixRgb(a: Rgb, b: Rgb, t: number): [number, number, number] {
  return [lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)];
}

/**
 * A 4096-entry lookup table from linear light in [0, 1] (index = round(c·4095)) to an sRGB
 * byte; built once, shared.
 */
let srgbLut: Uint8Array | undefined;
export function linearToSrgbLut(): Uint8Array {
  if (!srgbLut) {
    srgbLut = new Uint8Array(4096);
    for (let i = 0; i < 4096; i++) {
      const x = i / 4095;
      const s = x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
      srgbLut[i] = Math.round(Math.min(1, Math.max(0, s)) * 255);
    }
  }
  return srgbLut;
}

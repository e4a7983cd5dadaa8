import type { IctModel } from '../ict/ict-model.js';
import { fbm3, smoothstep } from './procedural.js';
import type { ResolvedAppearance } from './appearance.js';

/** Material of a vertex; decides how its albedo is composed. */
export const MATERIAL = {
  NONE: 0,
  SKIN: 1,
  EYEBALL: 2,
  TEETH: 3,
  GUMS: 4,
  MOUTH: 5,
  EYE_SOCKET: 6,
  EYELASH: 7,
} as const;

const PART_MATERIAL: Readonly<Record<string, number>> = {
  face: MATERIAL.SKIN,
  head_and_neck: MATERIAL.SKIN,
  mouth_socket: MATERIAL.MOUTH,
  eye_socket_left: MATERIAL.EYE_SOCKET,
  eye_socket_right: MATERIAL.EYE_SOCKET,
  gums_and_tongue: MATERIAL.GUMS,
  teeth: MATERIAL.TEETH,
  eyeball_left: MATERIAL.EYEBALL,
  eyeball_right: MATERIAL.EYEBALL,
  eyelashes_left: MATERIAL.EYELASH,
  eyelashes_right: MATERIAL.EYELASH,
};

/** Number of precomputed noise fields per vertex. */
export const NOISE_FIELDS = 4;

/**
 * Per-vertex data for procedural appearance, computed once per model from the neutral mesh and
 * the face-area UVs (so it moves with the vertices under any identity/expression).
 * Region weights are in [0, 1].
 */
export interface FaceFeatures {
  readonly vertexCount: number;
  /** [V] `MATERIAL` code. */
  readonly material: Uint8Array;
  /** [V] eyebrow density (band below the brow landmarks 17–26, thicker towards the nose). */
  readonly brow: Float32Array;
  /** [V] lip (inside the outer lip contour 48–59). */
  readonly lip: Float32Array;
  /** [V] lash line (just around the eye contours 36–47). */
  readonly lashLine: Float32Array;
  /** [V] soft shadow around the eyes. */
  readonly eyeShadow: Float32Array;
  /** [V] cheek and nose-tip redness. */
  readonly blush: Float32Array;
  /** [V] beard area (upper lip, chin, jaw). */
  readonly beard: Float32Array;
  /** [V] scalp hair area. */
  readonly hair: Float32Array;
  /** [V] openness of the mouth cavity: 1 at the lips, → 0 deep inside (mouth parts only). */
  readonly cavity: Float32Array;
  /** [V] angle in radians between the vertex direction and the gaze axis of its eyeball (eyeballs only). */
  readonly eyeAngle: Float32Array;
  /** [V*NOISE_FIELDS] smooth noise fields in about [−1, 1] at 0.35, 1.2, 4 and 2.5 cycles/cm. */
  readonly noise: Float32Array;
}

/** Distance from p to segment ab, and the segment parameter t ∈ [0, 1] of the closest point. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): [number, number] {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1;
  const t = Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len2));
  return [Math.hypot(px - ax - t * dx, py - ay - t * dy), t];
}

/** Signed distance to a closed polygon (positive inside). */
function polygonSignedDistance(px: number, py: number, poly: readonly (readonly [number, number])[]): number {
  let d = Infinity;
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    d = Math.min(d, segmentDistance(px, py, xj, yj, xi, yi)[0]);
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? d : -d;
}

/** Face-area UV per vertex ([V*2], NaN where the vertex has no face-area polygon). */
function vertexUvs(model: IctModel): Float32Array {
  const uv = new Float32Array(model.vertexCount * 2).fill(Number.NaN);
  for (let p = 0; p <= model.facePolygonEnd; p++) {
    for (let k = 0; k < 4; k++) {
      const v = model.faces[p * 4 + k];
      if (v < 0 || !Number.isNaN(uv[v * 2])) continue;
      const t = model.faceUvs[p * 4 + k];
      uv[v * 2] = model.uvs[t * 2];
      uv[v * 2 + 1] = model.uvs[t * 2 + 1];
    }
  }
  return uv;
}

/**
 * Hairline height above the brows (cm) against the angle around the vertical axis (degrees,
 * 0 = straight ahead, 90 = over the ear, 180 = the back of the head).
 */
const HAIRLINE: readonly (readonly [number, number])[] = [
  [0, 3.6],
  [25, 3.4],
  [42, 2.7],
  [56, 1.2],
  [63, -2.6],
  [72, -3.2],
  [78, 0.3],
  [100, 0.6],
  [115, -3.5],
  [140, -8.5],
  [180, -9.5],
];

/** Piecewise-linear lookup in a table of (x, y) pairs sorted by x, clamped at the ends. */
function interpolate(table: readonly (readonly [number, number])[], x: number): number {
  if (x <= table[0][0]) return table[0][1];
  for (let i = 1; i < table.length; i++) {
    if (x <= table[i][0]) {
      const [x0, y0] = table[i - 1];
      const [x1, y1] = table[i];
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return table[table.length - 1][1];
}

/** Precomputes `FaceFeatures` for a model (≈100 ms; do it once per model). */
export function computeFaceFeatures(model: IctModel): FaceFeatures {
  const V = model.vertexCount;
  const P = model.neutral;
  const material = new Uint8Array(V);
  for (const part of model.parts) {
    const m = PART_MATERIAL[part.name] ?? MATERIAL.NONE;
    for (let v = part.vertices[0]; v <= part.vertices[1]; v++) material[v] = m;
  }
  const uv = vertexUvs(model);
  const lmUv = (i: number): [number, number] => {
    const v = model.landmarks68[i];
    return [uv[v * 2], uv[v * 2 + 1]];
  };
  const lmPos = (i: number): [number, number, number] => {
    const v = model.landmarks68[i];
    return [P[v * 3], P[v * 3 + 1], P[v * 3 + 2]];
  };
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => lmUv(a + k));
  // Brow polylines from the outer end to the inner end; lowered a little (the landmarks follow the brows' upper edge).
  const browOffset = 0.014;
  const brows = [range(17, 21), range(22, 26).reverse()].map((line) => line.map(([u, v]) => [u, v - browOffset] as [number, number]));
  const outerLip = range(48, 59);
  const eyes = [range(36, 41), range(42, 47)];
  const eyeCentres = eyes.map((e) => [e.reduce((s, p) => s + p[0], 0) / e.length, e.reduce((s, p) => s + p[1], 0) / e.length]);
  const cheekCentres = [
    [(lmUv(2)[0] + lmUv(31)[0]) / 2, (lmUv(2)[1] + lmUv(31)[1]) / 2 + 0.02],
    [(lmUv(14)[0] + lmUv(35)[0]) / 2, (lmUv(14)[1] + lmUv(35)[1]) / 2 + 0.02],
  ];
  const noseTip = lmUv(30);
  const noseBaseV = lmUv(33)[1];
  const chinV = lmUv(8)[1];
  const sideV = (lmUv(2)[1] + lmUv(14)[1]) / 2;

  const brow = new Float32Array(V);
  const lip = new Float32Array(V);
  const lashLine = new Float32Array(V);
  const eyeShadow = new Float32Array(V);
  const blush = new Float32Array(V);
  const beard = new Float32Array(V);
  const hair = new Float32Array(V);
  const cavity = new Float32Array(V);
  const eyeAngle = new Float32Array(V);
  const noise = new Float32Array(V * NOISE_FIELDS);

  for (let v = 0; v < V; v++) {
    const u0 = uv[v * 2];
    const v0 = uv[v * 2 + 1];
    if (material[v] !== MATERIAL.SKIN || Number.isNaN(u0)) continue;
    // Eyebrows: distance to the (lowered) brow polyline, thicker at the inner end.
    let b = 0;
    for (const line of brows) {
      let best = Infinity;
      let along = 0;
      for (let i = 0; i + 1 < line.length; i++) {
        const [d, t] = segmentDistance(u0, v0, line[i][0], line[i][1], line[i + 1][0], line[i + 1][1]);
        if (d < best) {
          best = d;
          along = (i + t) / (line.length - 1);
        }
      }
      const half = 0.013 + 0.011 * along;
      b = Math.max(b, smoothstep(half, half * 0.4, best) * (0.6 + 0.4 * smoothstep(0, 0.35, along)));
    }
    brow[v] = b;
    const sd = polygonSignedDistance(u0, v0, outerLip);
    lip[v] = smoothstep(-0.005, 0.006, sd);
    let lash = 0;
    let shadow = 0;
    for (let e = 0; e < 2; e++) {
      const d = polygonSignedDistance(u0, v0, eyes[e]);
      // Only outside the opening; the upper lid line is darker than the lower one.
      const upper = v0 > eyeCentres[e][1] ? 1 : 0.5;
      // Darkest on the lid margin (inside the contour), fading outwards; upper lid stronger.
      lash = Math.max(lash, d >= 0 ? 0.9 : smoothstep(0.013, 0.002, -d) * upper);
      const r = Math.hypot(u0 - eyeCentres[e][0], (v0 - eyeCentres[e][1]) * 1.4);
      shadow = Math.max(shadow, Math.exp(-(r * r) / (2 * 0.045 * 0.045)));
    }
    lashLine[v] = lash;
    eyeShadow[v] = shadow;
    let bl = 0;
    for (const [cu, cv] of cheekCentres) {
      const r2 = (u0 - cu) ** 2 + (v0 - cv) ** 2;
      bl = Math.max(bl, Math.exp(-r2 / (2 * 0.055 * 0.055)));
    }
    const rn2 = (u0 - noseTip[0]) ** 2 + (v0 - noseTip[1]) ** 2;
    blush[v] = Math.max(bl, 0.7 * Math.exp(-rn2 / (2 * 0.03 * 0.03)));
    // Beard: below a line from the nose base (centre) rising towards the sideburns, above the under-chin.
    const side = smoothstep(0.06, 0.3, Math.abs(u0 - 0.5));
    const top = noseBaseV - 0.012 + (sideV + 0.06 - noseBaseV) * side;
    const lipGap = 1 - smoothstep(-0.018, -0.004, sd);
    beard[v] = smoothstep(top, top - 0.035, v0) * lipGap * smoothstep(chinV - 0.1, chinV - 0.04, v0);
  }

  // Scalp hair: above a hairline that depends on the direction around the vertical axis
  // (front hairline, receding temples, sideburns, above the ears, down to the nape).
  const browY = (lmPos(19)[1] + lmPos(24)[1]) / 2;
  const headCentreZ = 1;
  for (let v = 0; v < V; v++) {
    if (material[v] !== MATERIAL.SKIN) continue;
    const x = P[v * 3];
    const y = P[v * 3 + 1];
    const z = P[v * 3 + 2];
    const theta = (Math.abs(Math.atan2(x, z - headCentreZ)) * 180) / Math.PI;
    const hairline = browY + interpolate(HAIRLINE, theta) + 0.35 * fbm3(x * 0.6, y * 0.6, z * 0.6, 77, 2);
    // Wider transition on the coarse back of the head so the edge does not staircase.
    const soft = v > model.faceVertexEnd ? 1.2 : 0.5;
    hair[v] = smoothstep(hairline - soft, hairline + soft, y);
  }

  // Mouth cavity openness from depth behind the lips.
  const lipZ = (lmPos(48)[2] + lmPos(54)[2] + lmPos(51)[2] + lmPos(57)[2]) / 4;
  for (let v = 0; v < V; v++) {
    const m = material[v];
    if (m === MATERIAL.MOUTH || m === MATERIAL.GUMS || m === MATERIAL.TEETH) {
      cavity[v] = smoothstep(lipZ - 4.5, lipZ + 0.3, P[v * 3 + 2]);
    }
  }

  // Eyeballs: centre from the bounding box (the cornea bulges forward), gaze axis through the apex.
  for (const part of model.parts) {
    if (!part.name.startsWith('eyeball')) continue;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    let apex = part.vertices[0];
    for (let v = part.vertices[0]; v <= part.vertices[1]; v++) {
      for (let k = 0; k < 3; k++) {
        lo[k] = Math.min(lo[k], P[v * 3 + k]);
        hi[k] = Math.max(hi[k], P[v * 3 + k]);
      }
      if (P[v * 3 + 2] > P[apex * 3 + 2]) apex = v;
    }
    const radius = (hi[0] - lo[0]) / 2;
    const c = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2] + radius];
    let ax = P[apex * 3] - c[0];
    let ay = P[apex * 3 + 1] - c[1];
    let az = P[apex * 3 + 2] - c[2];
    const an = Math.hypot(ax, ay, az);
    ax /= an;
    ay /= an;
    az /= an;
    for (let v = part.vertices[0]; v <= part.vertices[1]; v++) {
      const dx = P[v * 3] - c[0];
      const dy = P[v * 3 + 1] - c[1];
      const dz = P[v * 3 + 2] - c[2];
      const n = Math.hypot(dx, dy, dz) || 1;
      eyeAngle[v] = Math.acos(Math.min(1, Math.max(-1, (dx * ax + dy * ay + dz * az) / n)));
    }
  }

  const freqs = [0.35, 1.2, 4, 2.5];
  for (let v = 0; v < V; v++) {
    if (material[v] === MATERIAL.NONE) continue;
    const x = P[v * 3];
    const y = P[v * 3 + 1];
    const z = P[v * 3 + 2];
    for (let k = 0; k < NOISE_FIELDS; k++) {
      const f = freqs[k];
      noise[v * NOISE_FIELDS + k] = fbm3(x * f + 17.3 * k, y * f, z * f, 1000 + k, k === 2 ? 1 : 3) * 1.6;
    }
  }
  return { vertexCount: V, material, brow, lip, lashLine, eyeShadow, blush, beard, hair, cavity, eyeAngle, noise };
}

/** Per-render random modulation of the fixed noise fields, drawn from the appearance seed. */
export interface NoiseMix {
  /** Weights of the 4 noise fields for skin lightness. */
  readonly lightness: readonly [number, number, number, number];
  /** Weights for redness variation. */
  readonly redness: readonly [number, number, number, number];
  /** Cheek blush strength, 0–1. */
  readonly blush: number;
}

const SCLERA: readonly [number, number, number] = [0.78, 0.74, 0.7];
const TEETH: readonly [number, number, number] = [0.75, 0.68, 0.52];
const GUMS: readonly [number, number, number] = [0.55, 0.16, 0.16];
const MOUTH: readonly [number, number, number] = [0.22, 0.045, 0.045];
const EYE_SOCKET: readonly [number, number, number] = [0.35, 0.12, 0.11];

/**
 * Composes the linear-light albedo of every vertex for one appearance into `out` ([V*3]).
 * Cost ≈ a few ms for the ICT head.
 */
export function composeAlbedo(f: FaceFeatures, a: ResolvedAppearance, mix: NoiseMix, out: Float32Array): Float32Array {
  const V = f.vertexCount;
  const [sr, sg, sb] = a.skin;
  const [hr, hg, hb] = a.hairColor;
  const [ir, ig, ib] = a.irisColor;
  const L = mix.lightness;
  const Rm = mix.redness;
  const amp = a.skinNoise;
  const lipStrength = 0.45 + 0.55 * a.lips;
  // Pupil and iris half-angles (radians, from the gaze axis).
  const pupilA = 0.16;
  const irisA = 0.43;
  for (let v = 0; v < V; v++) {
    const o = v * 3;
    const m = f.material[v];
    const nz = v * NOISE_FIELDS;
    const n0 = f.noise[nz];
    const n1 = f.noise[nz + 1];
    const n2 = f.noise[nz + 2];
    const n3 = f.noise[nz + 3];
    let r: number;
    let g: number;
    let b: number;
    switch (m) {
      case MATERIAL.SKIN: {
        const light = 1 + amp * (L[0] * n0 + L[1] * n1 + L[2] * n2 + L[3] * n3);
        const red = amp * (Rm[0] * n0 + Rm[1] * n1 + Rm[2] * n2 + Rm[3] * n3);
        r = sr * light * (1 + red);
        g = sg * light * (1 - 0.5 * red);
        b = sb * light * (1 - 0.5 * red);
        // Blush: redder, slightly darker.
        const bl = f.blush[v] * mix.blush;
        r *= 1 + 0.04 * bl;
        g *= 1 - 0.16 * bl;
        b *= 1 - 0.14 * bl;
        const sh = 1 - 0.13 * f.eyeShadow[v];
        r *= sh;
        g *= sh * 0.99;
        b *= sh;
        // Lips: redder and darker.
        const lw = f.lip[v] * lipStrength;
        r += (r * 0.82 - r) * lw;
        g += (g * 0.45 - g) * lw;
        b += (b * 0.5 - b) * lw;
        // Brows with strand-like density variation.
        const strands = Math.min(1, Math.max(0, 0.9 + 0.4 * n3));
        const bw = f.brow[v] * a.brows * strands;
        r += (hr - r) * bw;
        g += (hg - g) * bw;
        b += (hb - b) * bw;
        // Lash line.
        const ll = f.lashLine[v] * 0.7;
        r += (hr * 0.5 - r) * ll;
        g += (hg * 0.5 - g) * ll;
        b += (hb * 0.5 - b) * ll;
        // Beard shadow (speckled) and scalp hair.
        const bd = f.beard[v] * a.beard * Math.min(1, Math.max(0, 0.6 + 0.6 * n2));
        r += (hr - r) * bd * 0.8;
        g += (hg - g) * bd * 0.8;
        b += (hb - b) * bd * 0.8;
        const hw = f.hair[v] * a.hair;
        const sheen = 1 + 0.25 * n2 + 0.1 * n1;
        r += (hr * sheen - r) * hw;
        g += (hg * sheen - g) * hw;
        b += (hb * sheen - b) * hw;
        break;
      }
      case MATERIAL.EYEBALL: {
        const ang = f.eyeAngle[v];
        if (ang < pupilA) {
          r = g = b = 0.012;
        } else if (ang < irisA) {
          const t = (ang - pupilA) / (irisA - pupilA);
          const streak = 0.75 + 0.35 * n2;
          const limbus = 1 - 0.55 * smoothstep(0.7, 1, t);
          const inner = 1 - 0.25 * (1 - smoothstep(0, 0.25, t));
          const k = streak * limbus * inner;
          r = ir * k;
          g = ig * k;
          b = ib * k;
        } else {
          const edge = 1 - 0.35 * smoothstep(0.9, 1.6, ang);
          r = SCLERA[0] * edge * (1 + 0.03 * n1);
          g = SCLERA[1] * edge * (1 - 0.04 * smoothstep(0.8, 1.5, ang));
          b = SCLERA[2] * edge;
        }
        break;
      }
      case MATERIAL.TEETH: {
        const c = f.cavity[v] ** 1.6 * (1 + 0.05 * n2);
        r = TEETH[0] * c;
        g = TEETH[1] * c;
        b = TEETH[2] * c;
        break;
      }
      case MATERIAL.GUMS: {
        const c = f.cavity[v] ** 1.3;
        r = GUMS[0] * c;
        g = GUMS[1] * c;
        b = GUMS[2] * c;
        break;
      }
      case MATERIAL.MOUTH: {
        const c = 0.15 + 0.85 * f.cavity[v] ** 2;
        r = MOUTH[0] * c;
        g = MOUTH[1] * c;
        b = MOUTH[2] * c;
        break;
      }
      case MATERIAL.EYE_SOCKET:
        r = EYE_SOCKET[0];
        g = EYE_SOCKET[1];
        b = EYE_SOCKET[2];
        break;
      case MATERIAL.EYELASH:
        r = hr * 0.35;
        g = hg * 0.35;
        b = hb * 0.35;
        break;
      default:
        r = g = b = 0;
    }
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
  }
  return out;
}

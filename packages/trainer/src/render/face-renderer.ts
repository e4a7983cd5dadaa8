import { buildIctMesh, type IctModel } from '../ict/ict-model.js';
import { InvalidArgumentError, type RgbImage } from './core-deps.js';
import { gaussianBlur3, paintBackground, resolveAppearance, type Appearance } from './appearance.js';
import { composeAlbedo, computeFaceFeatures, MATERIAL, type FaceFeatures, type NoiseMix } from './face-features.js';
import { jpegRoundTrip } from './image-io.js';
import { createRng, uniform } from './procedural.js';
import {
  clearRasterTarget,
  createRasterTarget,
  downsampleTarget,
  rasteriseTriangles,
  targetToRgbImage,
  type RasterTarget,
} from './rasteriser.js';

/**
 * Everything that determines one rendered face.
 *
 * Projection (weak perspective): a model-frame point p (cm, x right, y up, z out of the face)
 * maps to the image frame (pixels, x right, y down, z towards the viewer) as
 *   x' = s·(R·p).x + tx,   y' = −s·(R·p).y + ty,   z' = s·(R·p).z
 */
export interface RenderParams {
  /** Identity weights (≤ identityCount, ~N(0, 1)); missing entries are 0. */
  readonly identity?: ArrayLike<number>;
  /** Expression weights by ARKit name (e.g. `jawOpen`, `mouthSmile_L`), in [0, 1]. */
  readonly expression?: Readonly<Record<string, number>>;
  /** [9] row-major rotation matrix, model frame → camera frame (both right-handed, y up). */
  readonly rotation: ArrayLike<number>;
  /** Image pixels per centimetre. */
  readonly scale: number;
  /** Image-frame (x, y) of the model-frame origin, in pixels. */
  readonly translation: readonly [number, number];
  /** Image size in pixels. */
  readonly width: number;
  readonly height: number;
  /** Procedural appearance (skin, light, background, seed…). */
  readonly appearance?: Appearance;
}

/** One rendered face with exact labels, all in the image frame (see `conventions.ts`). */
export interface RenderedFace {
  /** The RGB image (3 channels, sRGB bytes). */
  readonly image: RgbImage;
  /** [V*3] every ICT vertex in the image frame (x, y pixels, z towards the viewer, same scale). */
  readonly vertices: Float32Array;
  /** [68*3] the 68 Multi-PIE landmarks (3D: the jawline follows the 3D contour even where occluded, like AFLW2000-3D). */
  readonly landmarks68: Float32Array;
  /** [68] 1 where the landmark is not hidden behind another surface (depth test), 0 where occluded or outside the image. */
  readonly landmarkVisible: Uint8Array;
  /** [W*H] image-frame z of the front-most surface per pixel; −Infinity on the background. */
  readonly depth: Float32Array;
  /** [W*H] index into `model.parts` of the surface seen at each pixel; −1 on the background. */
  readonly partIds: Int32Array;
  /** The parameters this face was rendered with. */
  readonly params: RenderParams;
}

export interface FaceRendererOptions {
  /** Precomputed features (shared between renderers of the same model). Default: computed now. */
  readonly features?: FaceFeatures;
}

export interface FaceRenderer {
  readonly model: IctModel;
  readonly features: FaceFeatures;
  /** Renders one face. Deterministic: the same params give the same image and labels. */
  render(params: RenderParams): RenderedFace;
}

/** Parts drawn with back-face culling (consistently wound, closed or seen from one side). */
const CULLED_PARTS = ['face', 'head_and_neck', 'mouth_socket', 'eye_socket_left', 'eye_socket_right', 'eyeball_left', 'eyeball_right'];
/** Parts drawn two-sided (their winding is not reliable). */
const TWO_SIDED_PARTS = ['gums_and_tongue', 'teeth'];
const LASH_PARTS = ['eyelashes_left', 'eyelashes_right'];

interface TriangleSet {
  readonly triangles: Uint32Array;
  readonly ids: Int32Array;
}

function triangulateParts(model: IctModel, names: readonly string[]): TriangleSet {
  const tris: number[] = [];
  const ids: number[] = [];
  for (const name of names) {
    const partIndex = model.parts.findIndex((p) => p.name === name);
    if (partIndex < 0) continue;
    const part = model.parts[partIndex];
    for (let p = part.polygons[0]; p <= part.polygons[1]; p++) {
      const o = p * 4;
      const a = model.faces[o];
      const b = model.faces[o + 1];
      const c = model.faces[o + 2];
      const d = model.faces[o + 3];
      tris.push(a, b, c);
      ids.push(partIndex);
      if (d >= 0) {
        tris.push(a, c, d);
        ids.push(partIndex);
      }
    }
  }
  return { triangles: Uint32Array.from(tris), ids: Int32Array.from(ids) };
}

/** Area-weighted vertex normals (model frame, unnormalised) accumulated over `sets` into `out`. */
function accumulateNormals(positions: Float32Array, sets: readonly TriangleSet[], out: Float32Array): void {
  out.fill(0);
  for (const { triangles: T } of sets) {
    for (let t = 0; t < T.length; t += 3) {
      const a = T[t] * 3;
      const b = T[t + 1] * 3;
      const c = T[t + 2] * 3;
      const ux = positions[b] - positions[a];
      const uy = positions[b + 1] - positions[a + 1];
      const uz = positions[b + 2] - positions[a + 2];
      const vx = positions[c] - positions[a];
      const vy = positions[c + 1] - positions[a + 1];
      const vz = positions[c + 2] - positions[a + 2];
      const nx = uy * vz - uz * vy;
      const ny = uz * vx - ux * vz;
      const nz = ux * vy - uy * vx;
      out[a] += nx;
      out[a + 1] += ny;
      out[a + 2] += nz;
      out[b] += nx;
      out[b + 1] += ny;
      out[b + 2] += nz;
      out[c] += nx;
      out[c + 1] += ny;
      out[c + 2] += nz;
    }
  }
}

/**
 * A 3×3 row-major rotation matrix for a right-handed rotation of `angle` radians about `axis`
 * (Rodrigues). E.g. axis (0, 1, 0) turns the face towards the viewer's right for angle > 0
 * (the nose tip moves to +x). For tests and demos; head-pose conventions live elsewhere.
 */
export function rotationFromAxisAngle(axis: readonly [number, number, number], angle: number): Float64Array {
  const n = Math.hypot(axis[0], axis[1], axis[2]);
  if (!(n > 0)) throw new InvalidArgumentError('rotation axis must be non-zero');
  const x = axis[0] / n;
  const y = axis[1] / n;
  const z = axis[2] / n;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const C = 1 - c;
  return Float64Array.from([
    c + x * x * C, x * y * C - z * s, x * z * C + y * s,
    y * x * C + z * s, c + y * y * C, y * z * C - x * s,
    z * x * C - y * s, z * y * C + x * s, c + z * z * C,
  ]);
}

/**
 * Maps model-frame points [N*3] to the image frame with the weak-perspective projection of
 * `RenderParams` (see there). Writes into `out` and returns it.
 */
export function projectToImage(
  points: Float32Array,
  rotation: ArrayLike<number>,
  scale: number,
  translation: readonly [number, number],
  out = new Float32Array(points.length),
): Float32Array {
  const [r0, r1, r2, r3, r4, r5, r6, r7, r8] = Array.from(rotation);
  const [tx, ty] = translation;
  for (let i = 0; i + 2 < points.length; i += 3) {
    const x = points[i];
    const y = points[i + 1];
    const z = points[i + 2];
    out[i] = scale * (r0 * x + r1 * y + r2 * z) + tx;
    out[i + 1] = -scale * (r3 * x + r4 * y + r5 * z) + ty;
    out[i + 2] = scale * (r6 * x + r7 * y + r8 * z);
  }
  return out;
}

function validateParams(p: RenderParams, model: IctModel): void {
  if (!p.rotation || p.rotation.length !== 9 || !Array.from(p.rotation).every(Number.isFinite)) {
    throw new InvalidArgumentError('rotation must be a 3×3 row-major matrix of 9 finite numbers');
  }
  if (!(p.scale > 0) || !Number.isFinite(p.scale)) throw new InvalidArgumentError(`scale must be positive, got ${p.scale}`);
  if (!Number.isFinite(p.translation?.[0]) || !Number.isFinite(p.translation?.[1])) {
    throw new InvalidArgumentError('translation must be two finite numbers');
  }
  if (!Number.isInteger(p.width) || !Number.isInteger(p.height) || p.width < 1 || p.height < 1 || p.width * p.height > 4096 * 4096) {
    throw new InvalidArgumentError(`width/height must be positive integers (≤ 4096²), got ${p.width}×${p.height}`);
  }
  if (p.identity && p.identity.length > model.identityCount) {
    throw new InvalidArgumentError(`at most ${model.identityCount} identity weights, got ${p.identity.length}`);
  }
  for (const name of Object.keys(p.expression ?? {})) {
    if (!model.expressionNames.includes(name)) throw new InvalidArgumentError(`unknown ICT expression "${name}"`);
  }
}

/**
 * Creates a software renderer of the ICT head. Per-model data (triangulation, per-vertex
 * appearance features) is computed once here; `render` reuses its scratch buffers.
 */
export function createFaceRenderer(model: IctModel, options: FaceRendererOptions = {}): FaceRenderer {
  const V = model.vertexCount;
  const features = options.features ?? computeFaceFeatures(model);
  const culled = triangulateParts(model, CULLED_PARTS);
  const twoSided = triangulateParts(model, TWO_SIDED_PARTS);
  const lashes = triangulateParts(model, LASH_PARTS);
  const twoSidedVertex = new Uint8Array(V);
  for (const set of [twoSided, lashes]) for (const v of set.triangles) twoSidedVertex[v] = 1;

  const mesh = new Float32Array(V * 3);
  const normals = new Float32Array(V * 3);
  const albedo = new Float32Array(V * 3);
  const shaded = new Float32Array(V * 3);
  const screen = new Float32Array(V * 3);
  let target: RasterTarget | undefined;

  function render(params: RenderParams): RenderedFace {
    validateParams(params, model);
    const a = resolveAppearance(params.appearance);
    const ss = a.supersample;
    const W = params.width;
    const H = params.height;
    buildIctMesh(model, { identity: params.identity, expression: params.expression }, mesh);
    const R = Array.from(params.rotation);
    const vertices = projectToImage(mesh, R, params.scale, params.translation);

    // Appearance for this seed.
    const rng = createRng(a.seed);
    const mix: NoiseMix = {
      lightness: [uniform(rng, -0.12, 0.12), uniform(rng, -0.06, 0.06), uniform(rng, -0.05, 0.05), uniform(rng, -0.03, 0.03)],
      redness: [uniform(rng, -0.08, 0.08), uniform(rng, -0.06, 0.06), uniform(rng, -0.03, 0.03), 0],
      blush: uniform(rng, 0.2, 1),
    };
    composeAlbedo(features, a, mix, albedo);

    // Shading per vertex: hemisphere ambient + wrapped Lambert + Blinn–Phong, in the camera frame.
    accumulateNormals(mesh, [culled, twoSided, lashes], normals);
    const [lx, ly, lz] = a.lightDirection;
    const [lr, lg, lb] = a.lightColor;
    let hx = lx;
    let hy = ly;
    let hz = lz + 1;
    const hn = Math.hypot(hx, hy, hz) || 1;
    hx /= hn;
    hy /= hn;
    hz /= hn;
    const amb = a.ambient;
    const exposure = a.exposure;
    for (let v = 0; v < V; v++) {
      const o = v * 3;
      const m = features.material[v];
      if (m === MATERIAL.NONE) continue;
      const mx = normals[o];
      const my = normals[o + 1];
      const mz = normals[o + 2];
      let nx = R[0] * mx + R[1] * my + R[2] * mz;
      let ny = R[3] * mx + R[4] * my + R[5] * mz;
      let nz = R[6] * mx + R[7] * my + R[8] * mz;
      const len = Math.hypot(nx, ny, nz);
      if (len > 0) {
        nx /= len;
        ny /= len;
        nz /= len;
      }
      if (twoSidedVertex[v] && nz < 0) {
        nx = -nx;
        ny = -ny;
        nz = -nz;
      }
      const ndl = nx * lx + ny * ly + nz * lz;
      const wrap = m === MATERIAL.SKIN ? 0.25 : 0.05;
      const diffuse = Math.max(0, (ndl + wrap) / (1 + wrap));
      const hemi = amb * (0.75 + 0.25 * ny);
      let spec = 0;
      if (ndl > 0) {
        const ndh = Math.max(0, nx * hx + ny * hy + nz * hz);
        if (m === MATERIAL.SKIN) spec = a.specular * Math.pow(ndh, 24);
        else if (m === MATERIAL.EYEBALL) spec = 0.9 * Math.pow(ndh, 160);
        else if (m === MATERIAL.TEETH) spec = 0.15 * Math.pow(ndh, 30) * features.cavity[v];
        else if (m === MATERIAL.GUMS) spec = 0.12 * Math.pow(ndh, 40) * features.cavity[v];
      }
      shaded[o] = exposure * (albedo[o] * (hemi + lr * diffuse) + spec * lr);
      shaded[o + 1] = exposure * (albedo[o + 1] * (hemi + lg * diffuse) + spec * lg);
      shaded[o + 2] = exposure * (albedo[o + 2] * (hemi + lb * diffuse) + spec * lb);
    }

    // Rasterise at ss× resolution.
    const TW = W * ss;
    const TH = H * ss;
    if (!target || target.width !== TW || target.height !== TH) target = createRasterTarget(TW, TH);
    clearRasterTarget(target);
    paintBackground(target, a.background, a.seed);
    for (let i = 0; i < vertices.length; i++) screen[i] = vertices[i] * ss;
    rasteriseTriangles(target, { positions: screen, colors: shaded, triangles: culled.triangles, ids: culled.ids, cull: 'back' });
    rasteriseTriangles(target, { positions: screen, colors: shaded, triangles: twoSided.triangles, ids: twoSided.ids });
    if (a.eyelashes) rasteriseTriangles(target, { positions: screen, colors: shaded, triangles: lashes.triangles, ids: lashes.ids });
    const out = downsampleTarget(target, ss);
    // Camera order: optics blur, then sensor noise, then compression. Labels are untouched.
    if (a.blur > 0) gaussianBlur3(out.color, W, H, a.blur);
    let image = targetToRgbImage(out, a.sensorNoise, a.sensorNoise > 0 ? createRng(a.seed + 1) : undefined);
    if (a.jpegQuality !== undefined) image = jpegRoundTrip(image, a.jpegQuality);
    const depth = Float32Array.from(out.depth);
    const partIds = Int32Array.from(out.ids);

    const landmarks68 = new Float32Array(68 * 3);
    const landmarkVisible = new Uint8Array(68);
    const tolerance = Math.max(2, 0.3 * params.scale);
    for (let i = 0; i < 68; i++) {
      const v = model.landmarks68[i];
      const x = vertices[v * 3];
      const y = vertices[v * 3 + 1];
      const z = vertices[v * 3 + 2];
      landmarks68[i * 3] = x;
      landmarks68[i * 3 + 1] = y;
      landmarks68[i * 3 + 2] = z;
      const c = Math.floor(x);
      const r = Math.floor(y);
      if (c < 0 || r < 0 || c >= W || r >= H) continue;
      landmarkVisible[i] = depth[r * W + c] - z <= tolerance ? 1 : 0;
    }
    return { image, vertices, landmarks68, landmarkVisible, depth, partIds, params };
  }

  return { model, features, render };
}

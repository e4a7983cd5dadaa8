import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadIctModel, type IctModel } from '../ict/ict-model.js';
import { boxOfPoints, type Box } from './core-deps.js';
import { createFaceRenderer, rotationFromAxisAngle, type RenderParams } from './face-renderer.js';
import { encodeJpeg, encodePng } from './image-io.js';
import { multiplyRotations, translationForLandmarkCentre } from './random-face.js';

/** What `writeSampleFace` wrote. */
export interface SampleFaceResult {
  readonly imagePath: string;
  readonly jsonPath: string;
  readonly bytes: number;
  readonly box: Box;
}

export interface SampleFaceOptions {
  /** Output folder (created). */
  readonly outDir: string;
  /** Loaded model (default: `loadIctModel()` from the shared data). */
  readonly model?: IctModel;
  /** Image side in pixels. [512] */
  readonly size?: number;
  /** Keep the PNG only when it is at most this many bytes, else write a JPEG. [400_000] */
  readonly maxPngBytes?: number;
}

/** The parameters of the project's sample face: slight yaw and smile, soft key light, grey gradient. */
export function sampleFaceParams(model: IctModel, size = 512): RenderParams {
  const deg = Math.PI / 180;
  const rotation = multiplyRotations(rotationFromAxisAngle([0, 1, 0], 20 * deg), rotationFromAxisAngle([1, 0, 0], 4 * deg));
  const scale = (0.5 * size) / 15;
  const identity = new Float32Array(model.identityCount);
  // A mild, fixed identity (not the generic mean face).
  const weights: Record<number, number> = { 0: 0.4, 1: -0.5, 2: 0.3, 4: 0.4, 7: -0.3, 9: 0.3 };
  for (const [k, w] of Object.entries(weights)) identity[Number(k)] = w;
  return {
    identity,
    expression: { mouthSmile_L: 0.3, mouthSmile_R: 0.3, eyeSquint_L: 0.1, eyeSquint_R: 0.1 },
    rotation,
    scale,
    translation: translationForLandmarkCentre(model, rotation, scale, size * 0.5, size * 0.53),
    width: size,
    height: size,
    appearance: {
      skinTone: 0.22,
      skinUndertone: 0.2,
      skinNoise: 0.45,
      hairColor: [52, 36, 26],
      irisColor: [88, 70, 45],
      brows: 0.9,
      lips: 0.85,
      lightDirection: [-0.45, 0.4, 0.8],
      lightIntensity: 0.85,
      ambient: 0.38,
      specular: 0.1,
      background: { kind: 'gradient', from: [214, 214, 210], to: [150, 152, 156], angle: Math.PI / 2 },
      seed: 7,
      supersample: 3,
    },
  };
}

/**
 * Renders the project's redistributable sample face (ICT Face Model, MIT) and writes
 * `sample-face.png` (or `.jpg` when the PNG is too large) plus `sample-face.json` with its
 * 68 landmarks (image frame), tight landmark box and pose.
 */
export function writeSampleFace(options: SampleFaceOptions): SampleFaceResult {
  const model = options.model ?? loadIctModel();
  const size = options.size ?? 512;
  const params = sampleFaceParams(model, size);
  const face = createFaceRenderer(model).render(params);
  mkdirSync(options.outDir, { recursive: true });
  let bytes = encodePng(face.image);
  let name = 'sample-face.png';
  if (bytes.length > (options.maxPngBytes ?? 400_000)) {
    bytes = encodeJpeg(face.image, 92);
    name = 'sample-face.jpg';
  }
  const imagePath = join(options.outDir, name);
  writeFileSync(imagePath, bytes);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const landmarks68: number[][] = [];
  for (let i = 0; i < 68; i++) landmarks68.push([0, 1, 2].map((k) => round(face.landmarks68[i * 3 + k])));
  const box = boxOfPoints(face.landmarks68);
  const json = {
    image: name,
    width: size,
    height: size,
    landmarks68,
    box: box.map(round),
    rotation: Array.from(params.rotation, round),
    scale: round(params.scale),
    translation: params.translation.map(round),
    seed: params.appearance?.seed ?? 0,
    note: 'rendered by @prnet/trainer from the ICT Face Model (MIT); image frame: x right, y down, z towards the viewer, pixels',
  };
  const jsonPath = join(options.outDir, 'sample-face.json');
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 1)}\n`);
  return { imagePath, jsonPath, bytes: bytes.length, box };
}

function main(argv: readonly string[]): void {
  const i = argv.indexOf('--out');
  const outDir = resolve(i >= 0 && argv[i + 1] ? argv[i + 1] : 'packages/core/assets/samples');
  const result = writeSampleFace({ outDir });
  console.log(`wrote ${result.imagePath} (${result.bytes} bytes) and ${result.jsonPath}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));

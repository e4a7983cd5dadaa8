import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { PrnetError } from '../errors.js';
import type { Box } from '../geometry/crop.js';
import { depthImage, sampleColors, toObj, toPly, uvTexture, vertexUvs, vertexVisibility } from '../geometry/index.js';
import type { Prnet } from '../prnet.js';
import type { FaceReconstruction } from '../reconstruction.js';
import type { RgbImage } from '../image/rgb-image.js';
import { corePackageRoot, createPrnet, decodeImage, encodePng, initNodeBackend, type NodeBackendName } from '../node/index.js';
import { parseBoxArg, UsageError } from './args.js';
import { drawBox, drawDots, toRgb } from './draw.js';

const HELP = `prnet — PRNet 3D face reconstruction (UV position maps) from the command line

Usage:
  prnet reconstruct <image> [--box x0,y0,x1,y1] [--out DIR] [--model PATH]
  prnet landmarks --input requests.jsonl --output results.jsonl [--model PATH]
  prnet --help | --version

reconstruct   Reconstructs the face in a JPEG/PNG image and writes, into --out (default ./prnet-out):
                <name>.obj            dense mesh with per-vertex colours
                <name>_textured.obj   the same mesh with UVs (+ .mtl and <name>_texture.png, the UV texture)
                <name>.ply            binary PLY with colours
                <name>.json           box, crop, 68 landmarks [x, y, z] (image pixels), pose (degrees)
                <name>_depth.png      depth image (near = bright)
                <name>_overlay.png    the image with the box and the 68 landmarks drawn
              --box gives the tight box of the face's 68 landmarks in image pixels; without it the
              face detector (BlazeFace from @vladmandic/human) finds the face.

landmarks     Batch form used for evaluation. Each input line is
                {"image": "path", "box": [x0, y0, x1, y1]}     (box optional: tight 68-landmark box)
              and each output line, in the same order, is
                {"image": "path", "landmarks68": [[x, y, z] × 68], "pose": {"pitch": d, "yaw": d, "roll": d}}
              or {"image": "path", "error": "message"} for that line alone. Image paths are relative to
              the working directory. Exit code 0 when every line succeeded, 1 when any failed.

Options:
  --model PATH     model.json of a PRNet model (default: the model shipped in @prnet/core)
  --backend NAME   tfjs backend: tensorflow | wasm | cpu (default: fastest available; env PRNET_BACKEND)
  --batch N        faces per network batch for 'landmarks' (default 8)
  --flip           test-time flip: also run the mirrored crop and average (about 2× network time)
  --refine         second pass on the crop turned upright by the first pass's head pose, maps
                   averaged, for every face (about 2× network time). Default: only for faces
                   turned 10° or more from upright (one network run for an upright face)
  --no-refine      one pass for every face
  --no-roll-recovery
                   do not retry badly fitting readings on crops turned by 90°, 180° and 270°
                   (roll recovery, on by default: it reads upside-down faces)
  --quiet          no progress on stderr
`;

interface Common {
  model?: string;
  backend?: NodeBackendName;
  quiet: boolean;
  flip: boolean;
  /** 'auto': createPrnet's default (second pass for tilted faces only). */
  refine: 'auto' | 'always' | 'never';
  rollRecovery: boolean;
}

const REFINE_LABEL: Record<Common['refine'], string> = {
  auto: ', two-pass upright crop for tilted faces',
  always: ', two-pass upright crop',
  never: ', one pass',
};

function log(common: Common, message: string): void {
  if (!common.quiet) process.stderr.write(`${message}\n`);
}

function parseBackend(value: string | undefined): NodeBackendName | undefined {
  const name = value ?? process.env.PRNET_BACKEND;
  if (name === undefined || name === '') return undefined;
  if (name !== 'tensorflow' && name !== 'wasm' && name !== 'cpu') {
    throw new UsageError(`--backend must be tensorflow, wasm or cpu, got "${name}"`);
  }
  return name;
}

async function open(common: Common): Promise<Prnet> {
  const backend = await initNodeBackend(common.backend);
  const prnet = await createPrnet({
    model: common.model ? resolve(common.model) : undefined,
    flipTest: common.flip,
    refine: common.refine === 'auto' ? undefined : common.refine === 'always',
    rollRecovery: common.rollRecovery ? undefined : false,
  });
  const m = prnet.metadata;
  log(
    common,
    `prnet: backend ${backend}, model ${m.architecture} ${m.inputSize}px → ${m.uvResolution}² UV map` +
      `${m.trained ? '' : ' (UNTRAINED initial model: outputs are not a real reconstruction)'}` +
      `${common.flip ? ', test-time flip' : ''}${REFINE_LABEL[common.refine]}${common.rollRecovery ? '' : ', no roll recovery'}`,
  );
  return prnet;
}

function round(values: ArrayLike<number>, digits = 3): number[] {
  const f = 10 ** digits;
  return Array.from(values, (v) => Math.round(v * f) / f);
}

function landmarkTriples(face: FaceReconstruction): number[][] {
  const out: number[][] = [];
  const l = round(face.landmarks68);
  for (let i = 0; i < 68; i++) out.push([l[i * 3], l[i * 3 + 1], l[i * 3 + 2]]);
  return out;
}

function poseJson(face: FaceReconstruction): { pitch: number; yaw: number; roll: number } {
  const [pitch, yaw, roll] = round([face.pose.pitch, face.pose.yaw, face.pose.roll]);
  return { pitch, yaw, roll };
}

async function reconstructCommand(args: string[], common: Common): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { box: { type: 'string' }, out: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('reconstruct needs exactly one image path');
  const imagePath = positionals[0];
  const box = values.box ? parseBoxArg(values.box) : undefined;
  const outDir = resolve(values.out ?? 'prnet-out');
  const image = decodeImage(imagePath);
  const prnet = await open(common);
  try {
    const started = performance.now();
    const face = await prnet.reconstruct(image, { box });
    const ms = performance.now() - started;
    mkdirSync(outDir, { recursive: true });
    const name = basename(imagePath, extname(imagePath));
    const written = writeReconstruction(outDir, name, image, face, prnet);
    log(common, `prnet: reconstructed ${imagePath} in ${ms.toFixed(0)} ms; wrote ${written.join(', ')} to ${outDir}`);
  } finally {
    prnet.dispose();
  }
  return 0;
}

function writeReconstruction(outDir: string, name: string, image: RgbImage, face: FaceReconstruction, prnet: Prnet): string[] {
  const { layout, metadata } = prnet;
  const colors = sampleColors(image, face.vertices);
  const visible = vertexVisibility(face.vertices, layout.triangles);
  const files: Record<string, string | Uint8Array> = {};
  files[`${name}.obj`] = toObj({ vertices: face.vertices, triangles: layout.triangles, colors }).obj;
  const textured = toObj(
    { vertices: face.vertices, triangles: layout.triangles, uvs: vertexUvs(layout) },
    { textureFile: `${name}_texture.png`, materialFile: `${name}_textured.mtl` },
  );
  files[`${name}_textured.obj`] = textured.obj;
  if (textured.mtl) files[`${name}_textured.mtl`] = textured.mtl;
  files[`${name}_texture.png`] = encodePng(uvTexture(image, face.positionMap, layout));
  files[`${name}.ply`] = toPly({ vertices: face.vertices, triangles: layout.triangles, colors }, { format: 'binary' });
  files[`${name}_depth.png`] = encodePng(depthImage(face.vertices, layout.triangles, image.width, image.height).gray);
  const overlay = toRgb(image);
  drawBox(overlay, face.box, [0, 255, 0]);
  drawDots(overlay, face.landmarks68, 3, [255, 40, 40], Math.max(1.5, image.width / 250));
  files[`${name}_overlay.png`] = encodePng(overlay);
  let visibleCount = 0;
  for (const v of visible) visibleCount += v ? 1 : 0;
  files[`${name}.json`] = `${JSON.stringify(
    {
      image: name,
      model: { architecture: metadata.architecture, trained: metadata.trained, description: metadata.description },
      box: round(face.box),
      crop: face.crop,
      landmarks68: landmarkTriples(face),
      pose: { ...poseJson(face), rotation: round(face.pose.rotation, 6), scale: face.pose.scale },
      denseVertices: face.vertices.length / 3,
      visibleVertices: visibleCount,
      triangles: layout.triangles.length / 3,
    },
    null,
    2,
  )}\n`;
  for (const [file, content] of Object.entries(files)) writeFileSync(join(outDir, file), content);
  return Object.keys(files);
}

interface Request {
  line: number;
  image: string;
  box?: Box;
  error?: string;
}

function parseRequest(text: string, line: number): Request {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { line, image: '', error: `line ${line}: not valid JSON` };
  }
  const obj = json as { image?: unknown; box?: unknown };
  if (!obj || typeof obj !== 'object' || typeof obj.image !== 'string') {
    return { line, image: '', error: `line ${line}: expected {"image": "path", "box"?: [x0, y0, x1, y1]}` };
  }
  if (obj.box === undefined || obj.box === null) return { line, image: obj.image };
  if (!Array.isArray(obj.box) || obj.box.length !== 4 || !obj.box.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return { line, image: obj.image, error: 'box must be [x0, y0, x1, y1] with four finite numbers' };
  }
  return { line, image: obj.image, box: obj.box as unknown as Box };
}

async function landmarksCommand(args: string[], common: Common): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { input: { type: 'string' }, output: { type: 'string' }, batch: { type: 'string' } },
  });
  if (!values.input || !values.output) throw new UsageError('landmarks needs --input requests.jsonl and --output results.jsonl');
  const batchSize = values.batch === undefined ? 8 : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch must be a positive integer');
  try {
    readFileSync(values.input, { flag: 'r' }).subarray(0, 0);
  } catch {
    throw new UsageError(`cannot read --input ${values.input}`);
  }
  const prnet = await open(common);
  const output: string[] = [];
  let failed = 0;
  let done = 0;
  const started = performance.now();
  const flush = async (requests: Request[]) => {
    const items: { image: RgbImage; box?: Box }[] = [];
    const slots: (Request & { result?: FaceReconstruction | Error })[] = requests.map((r) => ({ ...r }));
    const itemSlot: number[] = [];
    slots.forEach((slot, k) => {
      if (slot.error) return;
      try {
        items.push({ image: decodeImage(slot.image), box: slot.box });
        itemSlot.push(k);
      } catch (error) {
        slot.error = (error as Error).message;
      }
    });
    const results = items.length ? await prnet.reconstructBatch(items) : [];
    results.forEach((result, k) => {
      slots[itemSlot[k]].result = result;
    });
    for (const slot of slots) {
      const result = slot.result;
      if (slot.error || result instanceof Error || !result) {
        failed++;
        const message = slot.error ?? (result instanceof Error ? result.message : 'no result');
        output.push(JSON.stringify({ image: slot.image, error: message }));
      } else {
        output.push(JSON.stringify({ image: slot.image, landmarks68: landmarkTriples(result), pose: poseJson(result) }));
      }
    }
    done += requests.length;
    const rate = done / ((performance.now() - started) / 1000);
    log(common, `prnet landmarks: ${done} lines, ${failed} failed, ${rate.toFixed(1)} images/s`);
  };
  try {
    const reader = createInterface({ input: createReadStream(values.input), crlfDelay: Infinity });
    let pending: Request[] = [];
    let line = 0;
    for await (const text of reader) {
      line++;
      if (text.trim() === '') continue;
      pending.push(parseRequest(text, line));
      if (pending.length >= batchSize) {
        await flush(pending);
        pending = [];
      }
    }
    if (pending.length) await flush(pending);
  } finally {
    prnet.dispose();
  }
  writeFileSync(values.output, output.length ? `${output.join('\n')}\n` : '');
  return failed > 0 ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    const pkg = JSON.parse(readFileSync(join(corePackageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  // Options common to every command; the command's own parser sees the rest.
  const common: Common = { quiet: false, flip: false, refine: 'auto', rollRecovery: true };
  const own: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(HELP);
      return 0;
    } else if (arg === '--model' || arg === '--backend') {
      const value = rest[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === '--model') common.model = value;
      else common.backend = parseBackend(value);
    } else if (arg === '--quiet') common.quiet = true;
    else if (arg === '--flip') common.flip = true;
    else if (arg === '--refine') common.refine = 'always';
    else if (arg === '--no-refine') common.refine = 'never';
    else if (arg === '--no-roll-recovery') common.rollRecovery = false;
    else own.push(arg);
  }
  common.backend ??= parseBackend(undefined);
  switch (command) {
    case 'reconstruct':
      return reconstructCommand(own, common);
    case 'landmarks':
      return landmarksCommand(own, common);
    default:
      throw new UsageError(`unknown command "${command}" (try prnet --help)`);
  }
}

/** Runs the CLI with `argv` (without node and script) and sets `process.exitCode`; never throws. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    const usage = error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS');
    const label = error instanceof PrnetError ? error.name : usage ? 'usage' : 'error';
    process.stderr.write(`prnet: ${label}: ${(error as Error).message}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}

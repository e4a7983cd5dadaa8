/**
 * The browser test's fake-webcam clip: frames the project renders itself from the ICT Face Model
 * (the trainer's face renderer) with known parameters — the head turning (yaw), the mouth opening
 * (jawOpen) and the eyes blinking (eyeBlink) — written as a Y4M file, the format Chromium's
 * `--use-file-for-fake-video-capture` plays (looping). Each frame carries its index as a row of
 * black/white blocks in the top-left corner (`src/clip-code.ts`), so the page can tell which clip
 * frame a tracking step saw.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rotationFromAngles, type RgbImage } from '@prnet/core';
import { coreAssetPath, decodeImage } from '@prnet/core/node';
import { findSharedDataDir, loadIctModel } from '../../../packages/trainer/src/ict/ict-model.js';
import { createFaceRenderer } from '../../../packages/trainer/src/render/face-renderer.js';
import { translationForLandmarkCentre } from '../../../packages/trainer/src/render/random-face.js';
import { sampleFaceParams } from '../../../packages/trainer/src/render/sample.js';
import { CLIP_CODE_BITS, CLIP_CODE_BLOCK } from '../src/clip-code.js';

export const CLIP = {
  width: 320,
  height: 240,
  fps: 15,
  frames: 90,
} as const;

/** The known parameters of clip frame `f`: yaw in degrees (AFLW2000-3D: > 0 = nose to image left), weights 0..1. */
export function clipParams(f: number): { yaw: number; jawOpen: number; eyeBlink: number } {
  const t = f / CLIP.frames;
  const yaw = 30 * Math.sin(2 * Math.PI * t);
  // Mouth open in two windows, eyes closed in two others (not overlapping the mouth).
  const jawOpen = (f >= 12 && f < 24) || (f >= 57 && f < 69) ? 0.8 : 0;
  const eyeBlink = (f >= 33 && f < 39) || (f >= 78 && f < 84) ? 1 : 0;
  return { yaw, jawOpen, eyeBlink };
}

/** RGB → Y4M 4:2:0 (full-range BT.601, "C420jpeg"). */
function appendY4mFrame(chunks: Buffer[], image: RgbImage): void {
  const { width: W, height: H, data } = image;
  const y = Buffer.alloc(W * H);
  const u = Buffer.alloc((W / 2) * (H / 2));
  const v = Buffer.alloc((W / 2) * (H / 2));
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const i = (r * W + c) * 3;
      y[r * W + c] = Math.round(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]);
    }
  }
  for (let r = 0; r < H / 2; r++) {
    for (let c = 0; c < W / 2; c++) {
      let R = 0;
      let G = 0;
      let B = 0;
      for (const [dr, dc] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]) {
        const i = ((2 * r + dr) * W + 2 * c + dc) * 3;
        R += data[i] / 4;
        G += data[i + 1] / 4;
        B += data[i + 2] / 4;
      }
      const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
      u[r * (W / 2) + c] = clamp(128 - 0.168736 * R - 0.331264 * G + 0.5 * B);
      v[r * (W / 2) + c] = clamp(128 + 0.5 * R - 0.418688 * G - 0.081312 * B);
    }
  }
  chunks.push(Buffer.from('FRAME\n'), y, u, v);
}

function stampCode(image: RgbImage, code: number): void {
  const { width, data } = image;
  for (let bit = 0; bit < CLIP_CODE_BITS; bit++) {
    const value = (code >> bit) & 1 ? 255 : 0;
    for (let r = 0; r < CLIP_CODE_BLOCK; r++) {
      for (let c = bit * CLIP_CODE_BLOCK; c < (bit + 1) * CLIP_CODE_BLOCK; c++) {
        const i = (r * width + c) * 3;
        data[i] = data[i + 1] = data[i + 2] = value;
      }
    }
  }
}

/**
 * Writes the clip into `dir` (cached: reused when its parameters are unchanged) and returns its
 * path, or undefined when the ICT data is not available.
 */
export function makeClip(dir: string): string | undefined {
  if (!findSharedDataDir()) return undefined;
  const path = join(dir, 'clip.y4m');
  const stamp = join(dir, 'clip.json');
  const key = JSON.stringify({ CLIP, version: 2, params: Array.from({ length: CLIP.frames }, (_, f) => clipParams(f)) });
  if (existsSync(path) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return path;
  mkdirSync(dir, { recursive: true });
  const model = loadIctModel();
  const renderer = createFaceRenderer(model);
  const base = sampleFaceParams(model, 512);
  const { width, height } = CLIP;
  const scale = (0.42 * height) / 15;
  const chunks: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${CLIP.fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < CLIP.frames; f++) {
    const p = clipParams(f);
    const rotation = rotationFromAngles(0, p.yaw, 0);
    const face = renderer.render({
      identity: base.identity,
      expression: { jawOpen: p.jawOpen, eyeBlink_L: p.eyeBlink, eyeBlink_R: p.eyeBlink },
      rotation,
      scale,
      translation: translationForLandmarkCentre(model, rotation, scale, width / 2, height * 0.55),
      width,
      height,
      appearance: { ...base.appearance, supersample: 2 },
    });
    stampCode(face.image, f);
    appendY4mFrame(chunks, face.image);
  }
  writeFileSync(path, Buffer.concat(chunks));
  writeFileSync(stamp, key);
  return path;
}

/**
 * Without the ICT data: a still clip of core's shipped sample face (also rendered by the project),
 * 30 frames, each stamped with its index. Enough for the tests that need a face but no known motion.
 */
export function makeSampleClip(dir: string): string {
  const path = join(dir, 'sample-clip-v2.y4m');
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const image = decodeImage(coreAssetPath('samples', 'sample-face.png'));
  // A 4:3 crop around the face, scaled to the clip size (Chromium's fake camera keeps 4:3 frames).
  const { width, height } = CLIP;
  const cropW = image.width;
  const cropH = Math.round((cropW * height) / width);
  const top = Math.max(0, Math.round(image.height * 0.53 - cropH / 2));
  const rgb: RgbImage = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const sr = Math.min(image.height - 1, top + Math.floor(((r + 0.5) * cropH) / height));
      const sc = Math.min(image.width - 1, Math.floor(((c + 0.5) * cropW) / width));
      for (let k = 0; k < 3; k++) rgb.data[(r * width + c) * 3 + k] = image.data[(sr * image.width + sc) * image.channels + (image.channels === 1 ? 0 : k)];
    }
  }
  const chunks: Buffer[] = [Buffer.from(`YUV4MPEG2 W${rgb.width} H${rgb.height} F${CLIP.fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < 30; f++) {
    const frame: RgbImage = { ...rgb, data: Uint8Array.from(rgb.data) };
    stampCode(frame, f);
    appendY4mFrame(chunks, frame);
  }
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

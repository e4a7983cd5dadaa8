import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { sampleSeed, sampleSyntheticFace } from '../data/synthetic-face.js';
import { gaussianBlur3, paintBackground } from './appearance.js';
import { listBackgroundImages, openBackgroundImageSet, randomImageBackground } from './background-images.js';
import type { RgbImage } from './core-deps.js';
import { createFaceRenderer, type FaceRenderer } from './face-renderer.js';
import { encodePng, jpegRoundTrip } from './image-io.js';
import { createRng, srgb8ToLinear } from './procedural.js';
import { createRasterTarget } from './rasteriser.js';

const root = mkdtempSync(join(tmpdir(), 'prnet-degrade-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function solidImage(width: number, height: number, rgb: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, channels: 3, data };
}

/** Mean squared 4-neighbour Laplacian over the image (high-frequency energy). */
function laplacianEnergy(image: RgbImage): number {
  const { width: W, height: H, data } = image;
  let s = 0;
  for (let r = 1; r < H - 1; r++) {
    for (let c = 1; c < W - 1; c++) {
      for (let k = 0; k < 3; k++) {
        const o = (r * W + c) * 3 + k;
        const l = 4 * data[o] - data[o - 3] - data[o + 3] - data[o - W * 3] - data[o + W * 3];
        s += l * l;
      }
    }
  }
  return s / ((W - 2) * (H - 2) * 3);
}

function psnr(a: RgbImage, b: RgbImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (s / a.data.length));
}

const NO_DEGRADATION = { blur: { probability: 0 }, jpeg: { probability: 0 } };

describe('image degradations (no data needed)', () => {
  it('gaussianBlur3 keeps a flat image, preserves the mean and smooths a checkerboard', () => {
    const W = 16;
    const flat = new Float32Array(W * W * 3).fill(0.4);
    gaussianBlur3(flat, W, W, 1.5);
    for (const v of flat) expect(v).toBeCloseTo(0.4, 6);
    const board = new Float32Array(W * W * 3);
    for (let r = 0; r < W; r++) for (let c = 0; c < W; c++) board.fill((r + c) % 2, (r * W + c) * 3, (r * W + c) * 3 + 3);
    const before = Array.from(board);
    gaussianBlur3(board, W, W, 1);
    const mean = board.reduce((s, v) => s + v, 0) / board.length;
    expect(mean).toBeCloseTo(0.5, 3);
    const spread = (xs: ArrayLike<number>) => Math.max(...Array.from(xs)) - Math.min(...Array.from(xs));
    expect(spread(before)).toBe(1);
    const interior: number[] = [];
    for (let r = 4; r < W - 4; r++) for (let c = 4; c < W - 4; c++) interior.push(board[(r * W + c) * 3]);
    expect(spread(interior)).toBeLessThan(0.05); // away from the clamped edges
    // σ 0 is a no-op.
    const copy = Float32Array.from(before);
    gaussianBlur3(copy, W, W, 0);
    expect(Array.from(copy)).toEqual(before);
  });

  it('jpegRoundTrip changes pixels but stays close, deterministically', () => {
    const W = 64;
    const data = new Uint8Array(W * W * 3);
    for (let r = 0; r < W; r++) {
      for (let c = 0; c < W; c++) {
        const o = (r * W + c) * 3;
        data[o] = c * 4;
        data[o + 1] = r * 4;
        data[o + 2] = (r + c) % 16 < 8 ? 200 : 40; // hard edges → ringing
      }
    }
    const image: RgbImage = { width: W, height: W, channels: 3, data };
    const a = jpegRoundTrip(image, 40);
    const b = jpegRoundTrip(image, 40);
    expect(a.width).toBe(W);
    expect(a.channels).toBe(3);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(a.data).equals(Buffer.from(data))).toBe(false);
    // Measured 22.2 dB at quality 40 and 33.5 dB at 90 on this hard-edged pattern.
    expect(psnr(image, a)).toBeGreaterThan(20);
    expect(psnr(image, jpegRoundTrip(image, 90))).toBeGreaterThan(psnr(image, a));
  });

  it('paints an image background: a solid photo gives its colour everywhere, a crop is stretched and mirrored', () => {
    const target = createRasterTarget(12, 10);
    paintBackground(target, { kind: 'image', image: solidImage(5, 7, [10, 200, 30]), crop: [1, 1, 3, 4] }, 0);
    const want = srgb8ToLinear(10, 200, 30);
    for (let i = 0; i < 12 * 10; i++) for (let k = 0; k < 3; k++) expect(target.color[i * 3 + k]).toBeCloseTo(want[k], 5);
    // Left half black, right half white: the unmirrored crop keeps that order, the mirrored one flips it.
    const half = solidImage(8, 4, [0, 0, 0]);
    for (let r = 0; r < 4; r++) for (let c = 4; c < 8; c++) half.data.fill(255, (r * 8 + c) * 3, (r * 8 + c) * 3 + 3);
    paintBackground(target, { kind: 'image', image: half, crop: [0, 0, 8, 4] }, 0);
    expect(target.color[0]).toBeLessThan(0.01);
    expect(target.color[11 * 3]).toBeGreaterThan(0.99);
    paintBackground(target, { kind: 'image', image: half, crop: [8, 0, -8, 4] }, 0);
    expect(target.color[0]).toBeGreaterThan(0.99);
    expect(target.color[11 * 3]).toBeLessThan(0.01);
  });

  it('lists a background folder (sorted JPEG/PNG only) and draws crops inside the photo', () => {
    const dir = mkdtempSync(join(root, 'bg-list-'));
    writeFileSync(join(dir, 'b.png'), encodePng(solidImage(40, 30, [1, 2, 3])));
    writeFileSync(join(dir, 'a.PNG'), encodePng(solidImage(20, 50, [4, 5, 6])));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const listing = listBackgroundImages(dir);
    expect(listing.files).toEqual(['a.PNG', 'b.png']);
    expect(listing.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(() => listBackgroundImages(join(root, 'missing'))).toThrow(/not found/);
    const empty = mkdtempSync(join(root, 'bg-empty-'));
    expect(() => listBackgroundImages(empty)).toThrow(/no \.jpg/);
    const set = openBackgroundImageSet(dir);
    const rng = createRng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const bg = randomImageBackground(rng, set, 16, 16);
      if (bg.kind !== 'image') throw new Error('expected an image background');
      seen.add(bg.source!);
      const [x, y, w, h] = bg.crop;
      const x0 = Math.min(x, x + w);
      const x1 = Math.max(x, x + w);
      expect(x0).toBeGreaterThanOrEqual(-1e-9);
      expect(x1).toBeLessThanOrEqual(bg.image.width + 1e-9);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y + h).toBeLessThanOrEqual(bg.image.height + 1e-9);
      expect(Math.abs(w)).toBeCloseTo(h, 9); // square output → square crop
      expect(h).toBeGreaterThanOrEqual(0.3 * Math.min(bg.image.width, bg.image.height) - 1e-9);
    }
    expect(seen).toEqual(new Set(['a.PNG', 'b.png']));
  });
});

const dataDir = findSharedDataDir();

describe.skipIf(!dataDir)('degradations of rendered faces (needs ../shared/data; skipped when absent)', () => {
  let model: IctModel;
  let renderer: FaceRenderer;
  beforeAll(() => {
    model = loadIctModel();
    renderer = createFaceRenderer(model);
  });

  it('blur lowers the high-frequency energy of the image and leaves every label identical', () => {
    const face = sampleSyntheticFace(model, 1234, NO_DEGRADATION);
    const sharp = renderer.render(face.params);
    const sharpImage = { ...sharp.image, data: Uint8Array.from(sharp.image.data) };
    const blurred = renderer.render({ ...face.params, appearance: { ...face.params.appearance, blur: 1.5 } });
    expect(laplacianEnergy(blurred.image)).toBeLessThan(0.5 * laplacianEnergy(sharpImage));
    expect(Array.from(blurred.vertices)).toEqual(Array.from(sharp.vertices));
    expect(Array.from(blurred.landmarks68)).toEqual(Array.from(sharp.landmarks68));
    expect(Array.from(blurred.landmarkVisible)).toEqual(Array.from(sharp.landmarkVisible));
    expect(Array.from(blurred.partIds)).toEqual(Array.from(sharp.partIds));
  });

  it('JPEG artefacts change the rendered image but keep it close, deterministically', () => {
    const face = sampleSyntheticFace(model, 77, NO_DEGRADATION);
    const clean = renderer.render(face.params).image;
    const cleanCopy = { ...clean, data: Uint8Array.from(clean.data) };
    const params = { ...face.params, appearance: { ...face.params.appearance, jpegQuality: 30 } };
    const a = renderer.render(params).image;
    const aCopy = Uint8Array.from(a.data);
    const b = renderer.render(params).image;
    expect(Buffer.from(b.data).equals(Buffer.from(aCopy))).toBe(true);
    expect(Buffer.from(aCopy).equals(Buffer.from(cleanCopy.data))).toBe(false);
    // Measured on rendered 192² faces at quality 30: 32.0–34.6 dB over 8 faces, 36.4 dB on this one.
    expect(psnr(cleanCopy, { ...a, data: aCopy })).toBeGreaterThan(30);
  });

  it('draws blur and JPEG for about 30 % of samples each, recorded in the render parameters', () => {
    let blurred = 0;
    let compressed = 0;
    const n = 300;
    for (let i = 0; i < n; i++) {
      const a = sampleSyntheticFace(model, sampleSeed(5, i)).params.appearance!;
      if (a.blur !== undefined) {
        blurred++;
        expect(a.blur).toBeGreaterThanOrEqual(0.5);
        expect(a.blur).toBeLessThanOrEqual(2);
      }
      if (a.jpegQuality !== undefined) {
        compressed++;
        expect(Number.isInteger(a.jpegQuality)).toBe(true);
        expect(a.jpegQuality).toBeGreaterThanOrEqual(30);
        expect(a.jpegQuality).toBeLessThanOrEqual(90);
      }
    }
    expect(blurred / n).toBeGreaterThan(0.2);
    expect(blurred / n).toBeLessThan(0.4);
    expect(compressed / n).toBeGreaterThan(0.2);
    expect(compressed / n).toBeLessThan(0.4);
    // The degradations use their own random stream: the face itself does not change with them.
    const plain = sampleSyntheticFace(model, 99, NO_DEGRADATION);
    const full = sampleSyntheticFace(model, 99, { blur: { probability: 1 }, jpeg: { probability: 1 } });
    expect(full.params.translation).toEqual(plain.params.translation);
    expect(full.params.appearance?.background).toEqual(plain.params.appearance?.background);
    expect(full.params.appearance?.blur).toBeGreaterThan(0);
    expect(full.params.appearance?.jpegQuality).toBeGreaterThan(0);
  });

  it('a background folder of one known-colour photo colours the corners outside the head', () => {
    const dir = mkdtempSync(join(root, 'bg-one-'));
    writeFileSync(join(dir, 'green.png'), encodePng(solidImage(64, 48, [10, 200, 30])));
    let photo = 0;
    const n = 8;
    for (let i = 0; i < n; i++) {
      const face = sampleSyntheticFace(model, sampleSeed(21, i), { ...NO_DEGRADATION, backgrounds: { dir, probability: 1 } });
      const bg = face.params.appearance?.background;
      expect(bg?.kind).toBe('image');
      if (bg?.kind === 'image') expect(bg.source).toBe('green.png');
      const rendered = renderer.render({ ...face.params, appearance: { ...face.params.appearance, sensorNoise: 0 } });
      const W = rendered.image.width;
      for (const [r, c] of [[0, 0], [0, W - 1], [W - 1, 0], [W - 1, W - 1]]) {
        if (rendered.partIds[r * W + c] !== -1) continue; // the head covers this corner
        photo++;
        const o = (r * W + c) * 3;
        const got = Array.from(rendered.image.data.subarray(o, o + 3));
        [10, 200, 30].forEach((v, k) => expect(Math.abs(got[k] - v), `corner (${r}, ${c}) ${got}`).toBeLessThanOrEqual(1));
      }
    }
    expect(photo).toBeGreaterThan(n * 2);
    // probability 0.5: about half the samples; the rest keep their procedural background.
    let images = 0;
    for (let i = 0; i < 100; i++) {
      if (sampleSyntheticFace(model, sampleSeed(22, i), { backgrounds: { dir } }).params.appearance?.background?.kind === 'image') images++;
    }
    expect(images).toBeGreaterThan(30);
    expect(images).toBeLessThan(70);
    // A recorded fingerprint that no longer matches the folder is an error.
    expect(() => sampleSyntheticFace(model, 3, { backgrounds: { dir, probability: 1, fingerprint: '00000000' } })).toThrow(/changed/);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { InvalidArgumentError } from './core-deps.js';
import { createFaceRenderer, projectToImage, rotationFromAxisAngle, type FaceRenderer, type RenderParams } from './face-renderer.js';
import { randomRenderParams, translationForLandmarkCentre } from './random-face.js';

const deg = Math.PI / 180;

describe('rotationFromAxisAngle / projectToImage (no data needed)', () => {
  it('builds orthonormal right-handed rotations', () => {
    const R = rotationFromAxisAngle([0.3, -1, 0.5], 0.7);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const dot = R[i * 3] * R[j * 3] + R[i * 3 + 1] * R[j * 3 + 1] + R[i * 3 + 2] * R[j * 3 + 2];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
    // Yaw +90° about y turns +z (out of the face) into +x (the viewer's right).
    const Y = rotationFromAxisAngle([0, 1, 0], 90 * deg);
    expect(Y[2]).toBeCloseTo(1, 12);
    expect(() => rotationFromAxisAngle([0, 0, 0], 1)).toThrow(InvalidArgumentError);
  });

  it('projects with y flipped, scaled and translated (weak perspective)', () => {
    const I = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const p = projectToImage(new Float32Array([1, 2, 3]), I, 10, [100, 50]);
    expect(Array.from(p)).toEqual([110, 30, 30]);
  });
});

const dataDir = findSharedDataDir();

describe.skipIf(!dataDir)('createFaceRenderer (needs ../shared/data; skipped when absent)', () => {
  let model: IctModel;
  let renderer: FaceRenderer;
  beforeAll(() => {
    model = loadIctModel();
    renderer = createFaceRenderer(model);
  });

  const frontal = (size: number, yawDegrees = 0, extra: Partial<RenderParams> = {}): RenderParams => {
    const rotation = rotationFromAxisAngle([0, 1, 0], yawDegrees * deg);
    const scale = (0.5 * size) / 15;
    return {
      rotation,
      scale,
      translation: translationForLandmarkCentre(model, rotation, scale, size / 2, size / 2),
      width: size,
      height: size,
      ...extra,
    };
  };

  it('draws the 68 landmarks on the face surface: right part, matching depth', () => {
    const size = 192;
    const face = renderer.render(frontal(size, 5));
    const faceParts = new Set(['face', 'head_and_neck'].map((n) => model.parts.findIndex((p) => p.name === n)));
    let visible = 0;
    for (let i = 0; i < 68; i++) {
      const x = face.landmarks68[i * 3];
      const y = face.landmarks68[i * 3 + 1];
      const z = face.landmarks68[i * 3 + 2];
      const pix = Math.floor(y) * size + Math.floor(x);
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(size);
      if (!face.landmarkVisible[i]) continue;
      visible++;
      // The landmark vertex lies on the drawn skin, with nothing in front of it.
      // (Eye and inner-lip contour points sit on the rim of an opening: the eyeball or mouth may show there.)
      const onOpening = (i >= 36 && i <= 47) || i >= 60;
      const part = model.parts[face.partIds[pix]]?.name ?? 'background';
      if (onOpening) expect(part, `landmark ${i}`).toMatch(/face|head|eye|mouth|teeth|gums/);
      else expect(faceParts.has(face.partIds[pix]), `landmark ${i} part ${part}`).toBe(true);
      expect(face.depth[pix] - z, `landmark ${i}`).toBeLessThan(2.5);
      // Off the jaw contour (which runs along the silhouette, where a pixel centre can miss the
      // surface) the depth buffer equals the landmark depth within ≈1 px of surface slope.
      if (i >= 17) expect(Math.abs(face.depth[pix] - z), `landmark ${i}`).toBeLessThan(2.5);
    }
    expect(visible).toBe(68);
    // And the image there is not the background.
    const nose = model.landmarks68[30];
    const nx = Math.floor(face.vertices[nose * 3]);
    const ny = Math.floor(face.vertices[nose * 3 + 1]);
    expect(face.depth[ny * size + nx]).toBeGreaterThan(-Infinity);
    expect(face.depth[0]).toBe(-Infinity);
  });

  it('flags the far jawline as occluded at 60° yaw', () => {
    const face = renderer.render(frontal(160, 60));
    // Positive yaw turns the face to the viewer's right: the subject's left jaw (points 9–16, image right) hides.
    const hidden = [11, 12, 13, 14, 15].filter((i) => !face.landmarkVisible[i]).length;
    expect(hidden).toBeGreaterThanOrEqual(3);
    for (const i of [0, 1, 2, 36, 30, 48]) expect(face.landmarkVisible[i], `landmark ${i}`).toBe(1);
    // Occluded points lie well behind the surface that hides them.
    for (let i = 9; i <= 16; i++) {
      if (face.landmarkVisible[i]) continue;
      const pix = Math.floor(face.landmarks68[i * 3 + 1]) * 160 + Math.floor(face.landmarks68[i * 3]);
      expect(face.depth[pix] - face.landmarks68[i * 3 + 2]).toBeGreaterThan(2);
    }
  });

  it('moves the nose tip as predicted by a known yaw', () => {
    const size = 128;
    const s = 4;
    const t: [number, number] = [64, 60];
    const base = renderer.render({ rotation: rotationFromAxisAngle([0, 1, 0], 0), scale: s, translation: t, width: size, height: size });
    const v = model.landmarks68[30];
    const [px, py, pz] = [model.neutral[v * 3], model.neutral[v * 3 + 1], model.neutral[v * 3 + 2]];
    for (const yaw of [30, -45]) {
      const a = yaw * deg;
      const face = renderer.render({ rotation: rotationFromAxisAngle([0, 1, 0], a), scale: s, translation: t, width: size, height: size });
      const x = face.landmarks68[30 * 3];
      expect(x).toBeCloseTo(s * (Math.cos(a) * px + Math.sin(a) * pz) + t[0], 3);
      expect(face.landmarks68[30 * 3 + 1]).toBeCloseTo(-s * py + t[1], 3);
      expect(face.landmarks68[30 * 3 + 2]).toBeCloseTo(s * (-Math.sin(a) * px + Math.cos(a) * pz), 3);
      // Nose ~13 cm in front of the origin: it moves by ≈ s·13·sin(yaw) px, towards +x for positive yaw.
      expect(Math.sign(x - base.landmarks68[30 * 3])).toBe(Math.sign(yaw));
      // The rendered surface is at the nose tip.
      const pix = Math.floor(face.landmarks68[30 * 3 + 1]) * size + Math.floor(x);
      expect(Math.abs(face.depth[pix] - face.landmarks68[30 * 3 + 2])).toBeLessThan(1.5);
    }
  });

  it('is deterministic for a seed and varies with it', () => {
    const params = randomRenderParams(model, 5, { size: 96 });
    const a = renderer.render(params);
    const b = createFaceRenderer(model, { features: renderer.features }).render(params);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Array.from(a.landmarks68)).toEqual(Array.from(b.landmarks68));
    const c = renderer.render({ ...params, appearance: { ...params.appearance, seed: (params.appearance?.seed ?? 0) + 1 } });
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
    expect(Array.from(c.landmarks68)).toEqual(Array.from(a.landmarks68));
  });

  it('renders skin tones from light to dark', () => {
    const mean = (tone: number) => {
      const f = renderer.render(frontal(64, 0, { appearance: { skinTone: tone, background: { kind: 'flat', color: [0, 0, 0] } } }));
      let sum = 0;
      let n = 0;
      for (let p = 0; p < 64 * 64; p++) {
        if (f.partIds[p] < 0) continue;
        sum += f.image.data[p * 3] + f.image.data[p * 3 + 1] + f.image.data[p * 3 + 2];
        n++;
      }
      return sum / n / 3;
    };
    const light = mean(0);
    const dark = mean(1);
    expect(light).toBeGreaterThan(150);
    expect(dark).toBeLessThan(90);
  });

  it('rejects bad parameters with InvalidArgumentError', () => {
    const ok = frontal(32);
    expect(() => renderer.render({ ...ok, rotation: [1, 0, 0] })).toThrow(InvalidArgumentError);
    expect(() => renderer.render({ ...ok, scale: 0 })).toThrow(InvalidArgumentError);
    expect(() => renderer.render({ ...ok, width: 0 })).toThrow(InvalidArgumentError);
    expect(() => renderer.render({ ...ok, expression: { notAnExpression: 1 } })).toThrow(InvalidArgumentError);
  });
});

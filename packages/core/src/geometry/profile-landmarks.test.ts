import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidLayoutError } from '../errors.js';
import { loadDefaultUvLayout } from '../node/index.js';
import { uvMirrorMap } from '../uv/mirror.js';
import { rotationFromAngles } from './euler-angles.js';
import { landmarks68 } from './extract.js';
import { createProfileLandmarks, LANDMARK68_MIRROR, profileBlendWeight, yawAwareLandmarks68 } from './profile-landmarks.js';

describe('profile landmarks', () => {
  const layout = loadDefaultUvLayout(128);
  const R = layout.resolution;
  const mirror = uvMirrorMap(layout);
  const distance = (a: number, b: number) => Math.hypot((a % R) - (b % R), Math.floor(a / R) - Math.floor(b / R));

  it('LANDMARK68_MIRROR is the left–right map of the layout’s 68 points', () => {
    for (let k = 0; k < 68; k++) expect(LANDMARK68_MIRROR[LANDMARK68_MIRROR[k]]).toBe(k);
    const onMidline = [8, 27, 28, 29, 30, 33, 51, 57, 62, 66];
    expect(LANDMARK68_MIRROR.flatMap((m, k) => (m === k ? [k] : []))).toEqual(onMidline);
    // Mirroring landmark k's UV pixel lands on (or next to) landmark mirror(k)'s pixel.
    for (let k = 0; k < 68; k++) {
      expect(distance(mirror[layout.landmarkPixels[k]], layout.landmarkPixels[LANDMARK68_MIRROR[k]])).toBeLessThanOrEqual(2);
    }
  });

  it('blends from the frontal to the profile points as |yaw| goes through the blend range', () => {
    const range = [30, 50] as const;
    expect([0, 20, 30, 35, 40, 50, 90].map((y) => profileBlendWeight(y, range))).toEqual([0, 0, 0, 0.25, 0.5, 1, 1]);
    expect(profileBlendWeight(-40, range)).toBe(0.5);
    expect(profileBlendWeight(Number.NaN, range)).toBe(0);

    // Profile pixels: each landmark moved 3 pixels along x inside the mask.
    const moved = Array.from(layout.landmarkPixels, (p) => (layout.mask[p + 3] && mirror[p + 3] >= 0 ? p + 3 : p));
    const profile = createProfileLandmarks(moved, layout, range, mirror);
    const pm = new Float32Array(R * R * 3).map(() => Math.random() * 100);
    const frontal = landmarks68(pm, layout);
    expect(yawAwareLandmarks68(pm, layout, profile, 10)).toEqual(frontal);
    const turned = yawAwareLandmarks68(pm, layout, profile, 60);
    const half = yawAwareLandmarks68(pm, layout, profile, 40);
    const other = yawAwareLandmarks68(pm, layout, profile, -60);
    for (let k = 0; k < 68; k++) {
      for (let c = 0; c < 3; c++) {
        expect(turned[3 * k + c]).toBeCloseTo(pm[moved[k] * 3 + c], 4);
        expect(half[3 * k + c]).toBeCloseTo(0.5 * (frontal[3 * k + c] + turned[3 * k + c]), 4);
        expect(other[3 * k + c]).toBeCloseTo(pm[profile.mirroredPixels[k] * 3 + c], 4);
      }
    }
  });

  it('gives a mirrored face the mirrored landmarks of the other side', () => {
    // A face turned 55° (nose towards the image left), and its mirror image (turned −55°).
    const Rm = rotationFromAngles(5, 55, -8);
    const f = layout.meanFace;
    const pm = new Float32Array(R * R * 3);
    for (let p = 0; p < R * R; p++) {
      if (!layout.mask[p]) continue;
      for (let r = 0; r < 3; r++) pm[p * 3 + r] = Rm[r * 3] * f[p * 3] + Rm[r * 3 + 1] * f[p * 3 + 1] + Rm[r * 3 + 2] * f[p * 3 + 2];
    }
    const mirrored = new Float32Array(R * R * 3);
    for (let p = 0; p < R * R; p++) {
      const m = mirror[p];
      if (m < 0) continue;
      mirrored.set([-pm[m * 3], pm[m * 3 + 1], pm[m * 3 + 2]], p * 3);
    }
    const profilePixels = Array.from(layout.landmarkPixels, (p, k) => (k < 17 ? p - 2 * R : p)); // jaw moved up 2 rows
    const profile = createProfileLandmarks(profilePixels, layout, [30, 50], mirror);
    const a = yawAwareLandmarks68(pm, layout, profile, 55);
    const b = yawAwareLandmarks68(mirrored, layout, profile, -55);
    let worst = 0;
    for (let k = 0; k < 68; k++) {
      const j = LANDMARK68_MIRROR[k];
      worst = Math.max(worst, Math.hypot(b[3 * j] + a[3 * k], b[3 * j + 1] - a[3 * k + 1], b[3 * j + 2] - a[3 * k + 2]));
    }
    expect(worst).toBeLessThan(0.5); // cm on a ~15 cm face: the mirror map's pixel rounding
  });

  it('rejects pixels off the mask and bad blend ranges', () => {
    const outside = layout.mask.findIndex((v) => !v);
    const pixels = Array.from(layout.landmarkPixels);
    expect(() => createProfileLandmarks([outside, ...pixels.slice(1)], layout, [30, 50])).toThrow(InvalidLayoutError);
    expect(() => createProfileLandmarks(pixels.slice(1), layout, [30, 50])).toThrow(InvalidArgumentError);
    expect(() => createProfileLandmarks(pixels, layout, [50, 30])).toThrow(InvalidArgumentError);
    expect(() => createProfileLandmarks(pixels, layout, [-1, 30])).toThrow(InvalidArgumentError);
  });
});

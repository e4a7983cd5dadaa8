import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { eyeCropBox, eyeMeasures } from './eye-measures.js';

/**
 * An almond eye of width w centred at (cx, cy), rotated by `angle` (radians), lid half-gap h:
 * lower lid outer (0) → inner (8) corner, upper lid 9 … 15 (outer → inner). `outerOnLeft` puts the
 * outer corner at the image's left (the subject's right eye).
 */
function eye(cx: number, cy: number, w: number, h: number, angle = 0, outerOnLeft = true): Float32Array {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const put = (u: number, v: number): [number, number] => [cx + c * u - s * v, cy + s * u + c * v];
  const sign = outerOnLeft ? 1 : -1;
  const out: number[] = [];
  for (let k = 0; k <= 8; k++) {
    const u = sign * (-w / 2 + (w * k) / 8);
    out.push(...put(u, h * Math.sqrt(Math.max(0, 1 - (2 * u / w) ** 2))));
  }
  for (let k = 1; k <= 7; k++) {
    const u = sign * (-w / 2 + (w * k) / 8);
    out.push(...put(u, -h * Math.sqrt(Math.max(0, 1 - (2 * u / w) ** 2))));
  }
  return Float32Array.from(out);
}

describe('eyeMeasures', () => {
  it('measures openness as the mean lid gap over the eye width, whatever the eye rotation and side', () => {
    // Mean of 2·sqrt(1 − x²) over the 7 upper points x = −3/4 … 3/4, times h, over w.
    const ks = [1, 2, 3, 4, 5, 6, 7].map((k) => 2 * Math.sqrt(1 - (-1 + k / 4) ** 2));
    const expected = (ks.reduce((a, b) => a + b, 0) / 7) * (6 / 40);
    for (const [angle, left] of [[0, true], [0.3, true], [-0.4, false], [0.2, false]] as const) {
      const m = eyeMeasures(eye(100, 80, 40, 6, angle, left), [100, 80]);
      expect(m.width).toBeCloseTo(40, 4);
      expect(m.openness).toBeCloseTo(expected, 4);
      expect(m.gazeX).toBeCloseTo(0, 6);
      expect(m.gazeY).toBeCloseTo(0, 6);
    }
    expect(eyeMeasures(eye(100, 80, 40, 0), [100, 80]).openness).toBeCloseTo(0, 6);
  });

  it('gives the iris offset in eye widths, x towards the image right and y down, for both eyes', () => {
    for (const left of [true, false]) {
      const m = eyeMeasures(eye(100, 80, 40, 6, 0, left), [104, 78]);
      expect(m.gazeX).toBeCloseTo(0.1, 6);
      expect(m.gazeY).toBeCloseTo(-0.05, 6);
    }
    // A rolled eye measures in its own frame: the iris moved along the eye axis.
    const a = 0.5;
    const m = eyeMeasures(eye(100, 80, 40, 6, a), [100 + 8 * Math.cos(a), 80 + 8 * Math.sin(a)]);
    expect(m.gazeX).toBeCloseTo(0.2, 5);
    expect(m.gazeY).toBeCloseTo(0, 5);
  });

  it('rejects malformed input and tolerates a degenerate eye', () => {
    expect(() => eyeMeasures(new Float32Array(10), [0, 0])).toThrow(InvalidArgumentError);
    expect(eyeMeasures(new Float32Array(32), [0, 0])).toEqual({ width: 0, openness: 0, gazeX: 0, gazeY: 0 });
  });
});

describe('eyeCropBox', () => {
  it('is a square centred between the corners, side = scale × their distance', () => {
    expect(eyeCropBox([10, 20], [40, 60], 2)).toEqual([-25, -10, 75, 90]);
    const [x0, y0, x1, y1] = eyeCropBox([0, 0], [10, 0]);
    expect(x1 - x0).toBeCloseTo(23, 6);
    expect(y1 - y0).toBeCloseTo(23, 6);
  });
});

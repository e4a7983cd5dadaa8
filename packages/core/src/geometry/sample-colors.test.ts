import { describe, expect, it } from 'vitest';
import { InvalidImageError } from '../errors.js';
import { coordinateImage } from '../testing/synthetic-face.js';
import { sampleColors } from './sample-colors.js';

describe('sampleColors', () => {
  const image = coordinateImage(40, 30);

  it('reads pixel centres exactly and interpolates bilinearly between them', () => {
    const c = sampleColors(image, [10.5, 20.5, 0, 10, 20.5, 5, 12.25, 3.75, -1]);
    expect(Array.from(c.subarray(0, 3)).map((v) => v * 255)).toEqual([10, 20, 30].map((v) => expect.closeTo(v, 4)));
    // halfway between columns 9 and 10
    expect(c[3] * 255).toBeCloseTo(9.5, 4);
    expect(c[4] * 255).toBeCloseTo(20, 4);
    // (12.25, 3.75) → x 11.75, y 3.25 in pixel-centre units
    expect(c[6] * 255).toBeCloseTo(11.75, 4);
    expect(c[7] * 255).toBeCloseTo(3.25, 4);
  });

  it('clamps at the borders', () => {
    const c = sampleColors(image, [-50, -50, 0, 1000, 1000, 0, 0.2, 29.9, 0]);
    expect(Array.from(c.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(c[3] * 255).toBeCloseTo(39, 4);
    expect(c[4] * 255).toBeCloseTo(29, 4);
    expect(c[6] * 255).toBeCloseTo(0, 4);
    expect(c[7] * 255).toBeCloseTo(29, 4);
  });

  it('handles gray and RGBA images', () => {
    const gray = sampleColors(coordinateImage(40, 30, 1), [5.5, 5.5, 0]);
    expect(Array.from(gray).map((v) => Math.round(v * 255))).toEqual([5, 5, 5]);
    const rgba = sampleColors(coordinateImage(40, 30, 4), [5.5, 7.5, 0]);
    expect(Array.from(rgba).map((v) => Math.round(v * 255))).toEqual([5, 7, 12]);
  });

  it('rejects malformed images', () => {
    expect(() => sampleColors({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }, [0, 0, 0])).toThrow(
      InvalidImageError,
    );
  });
});

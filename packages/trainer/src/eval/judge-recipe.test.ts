/**
 * recipes/judge.sh end to end on nine dev images (three per |yaw| bin): the shipped model judged
 * against itself after recalibrating its copy's landmark pixels on those images.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultModelPath } from '@prnet/core/node';
import { findAflw2000DevDir } from './aflw2000.js';
import { yawBin } from './metrics.js';

const devDir = findAflw2000DevDir();
const recipe = fileURLToPath(new URL('../../recipes/judge.sh', import.meta.url));

describe.skipIf(!devDir)('recipes/judge.sh (needs ../shared/data; skipped when absent)', () => {
  const root = mkdtempSync(join(tmpdir(), 'prnet-judge-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('calibrates a copy of the candidate, evaluates both three ways and pairs them', () => {
    const annotations = JSON.parse(readFileSync(join(devDir!, 'annotations.json'), 'utf8'));
    const taken = new Map<string, number>();
    annotations.samples = annotations.samples.filter((s: { yawBinDegrees: number }) => {
      const bin = yawBin(s.yawBinDegrees);
      taken.set(bin, (taken.get(bin) ?? 0) + 1);
      return taken.get(bin)! <= 3;
    });
    const data = join(root, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'annotations.json'), JSON.stringify(annotations));
    symlinkSync(join(devDir!, 'images'), join(data, 'images'));
    const shipped = defaultModelPath();
    const digest = () => createHash('sha256').update(readFileSync(shipped)).digest('hex');
    const before = digest();
    const out = join(root, 'out');

    const run = spawnSync('bash', [recipe, shipped, out], { env: { ...process.env, DATA: data }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/candidate − baseline, blazeface/);
    expect(digest()).toBe(before); // the candidate is calibrated in its copy only

    const pixels = (path: string) => JSON.parse(readFileSync(path, 'utf8')).userDefinedMetadata.prnet.landmarkPixels as number[];
    const calibrated = pixels(join(out, 'candidate', 'model.json'));
    expect(calibrated).toHaveLength(68);
    expect(calibrated).not.toEqual(pixels(shipped)); // fitted on these nine images
    expect(calibrated).toEqual(JSON.parse(readFileSync(join(out, 'calibrate-candidate.json'), 'utf8')).pixels);

    const read = (name: string) => JSON.parse(readFileSync(join(out, name), 'utf8'));
    for (const setting of ['gt', 'gt-1p', 'blazeface']) {
      const comparison = read(`compare-${setting}.json`);
      const baseline = read(`baseline-${setting}.json`).summary;
      const candidate = read(`candidate-${setting}.json`).summary;
      expect(comparison.images).toBe(9);
      expect(comparison.paired).toBe(Math.min(baseline.detected, candidate.detected));
      if (comparison.paired === 9) {
        expect(comparison.mean.a).toBeCloseTo(baseline.mean.nme2d, 3);
        expect(comparison.mean.b).toBeCloseTo(candidate.mean.nme2d, 3);
      }
    }
    expect(read('baseline-gt.json').protocol).toBe('gt-box');
    expect(read('baseline-blazeface.json').protocol).toBe('detector');
    expect(read('candidate-gt-1p.json').model).toMatch(/one pass/);

    const missing = spawnSync('bash', [recipe, join(root, 'nope', 'model.json'), out], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no candidate model/);
  }, 600_000);
});

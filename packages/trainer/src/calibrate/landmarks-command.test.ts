import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrnet, defaultModelPath } from '@prnet/core/node';
import { findAflw2000DevDir } from '../eval/aflw2000.js';
import { main } from './landmarks-command.js';

const devDir = findAflw2000DevDir();

describe.skipIf(!devDir)('prnet-train calibrate-landmarks on the AFLW2000-3D dev split (needs ../shared/data)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prnet-calib-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lowers the cross-validated NME of the shipped model and writes pixels core then uses', async () => {
    const model = join(dir, 'model.json');
    copyFileSync(defaultModelPath(), model);
    copyFileSync(join(defaultModelPath(), '..', 'model.weights.bin'), join(dir, 'model.weights.bin'));
    const report = join(dir, 'report.json');
    expect(await main(['--model', model, '--data', devDir!, '--radius', '6', '--json', report, '--write', '--backend', 'wasm'])).toBe(0);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.count).toBe(200);
    expect(r.crossValidated.mean).toBeLessThan(r.before.mean - 0.5);
    expect(r.inSample.mean).toBeLessThanOrEqual(r.crossValidated.mean + 0.01);
    expect(r.pixels).toHaveLength(68);
    const meta = JSON.parse(readFileSync(model, 'utf8')).userDefinedMetadata.prnet;
    expect(meta.landmarkPixels).toEqual(r.pixels);
    expect(meta.landmarkCalibration.radius).toBe(6);
    // The profile set (default --profile-yaw 40): fitted on the turned faces, better on them than
    // the frontal pixels alone even when scored by the other half's fit, and loaded by core.
    expect(r.profile.blendYawDegrees).toEqual([30, 50]);
    expect(r.profile.crossValidated.bins['>60']).toBeLessThan(r.crossValidated.bins['>60'] - 0.3);
    expect(r.profile.crossValidated.bins['[0,30]']).toBeCloseTo(r.crossValidated.bins['[0,30]'], 1);
    expect(meta.profileLandmarks).toEqual({ pixels: r.profile.pixels, blendYawDegrees: [30, 50] });
    const prnet = await createPrnet({ model });
    try {
      expect(Array.from(prnet.layout.landmarkPixels)).toEqual(r.pixels);
      expect(Array.from(prnet.profileLandmarks!.pixels)).toEqual(r.profile.pixels);
    } finally {
      prnet.dispose();
    }
    // --profile-yaw 0 fits no profile set and removes the model's.
    expect(await main(['--model', model, '--data', devDir!, '--radius', '0', '--profile-yaw', '0', '--write', '--backend', 'wasm'])).toBe(0);
    expect(JSON.parse(readFileSync(model, 'utf8')).userDefinedMetadata.prnet.profileLandmarks).toBeUndefined();
  });

  it('rejects a bad radius or profile yaw', async () => {
    await expect(main(['--radius', '-2'])).rejects.toThrow(/radius/);
    await expect(main(['--profile-yaw', '5'])).rejects.toThrow(/profile-yaw/);
  });
});

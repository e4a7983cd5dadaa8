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
    const prnet = await createPrnet({ model });
    try {
      expect(Array.from(prnet.layout.landmarkPixels)).toEqual(r.pixels);
    } finally {
      prnet.dispose();
    }
  });

  it('rejects a bad radius', async () => {
    await expect(main(['--radius', '-2'])).rejects.toThrow(/radius/);
  });
});

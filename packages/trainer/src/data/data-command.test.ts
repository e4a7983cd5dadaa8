import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@prnet/core';
import { findSharedDataDir } from '../ict/ict-model.js';
import { encodePng } from '../render/image-io.js';
import { DATA_COMMAND_HELP, parseSynthOptions, runDataCommand } from './data-command.js';
import { readManifest } from './manifest.js';
import { SYNTHETIC_GENERATOR_VERSION } from './synthetic-face.js';

const root = mkdtempSync(join(tmpdir(), 'prnet-data-command-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('data synth option parsing (no data needed)', () => {
  it('maps the flags to writer options; degradations default to the generator defaults', () => {
    const o = parseSynthOptions(['--out', 'x', '--count', '5', '--seed', '3', '--image-size', '96']);
    expect(o).toMatchObject({ outDir: 'x', count: 5, seed: 3, imageSize: 96, workers: 1, uvResolution: 128, shardSize: 500, imageFormat: 'rgb' });
    expect(o.face).toEqual({});
  });

  it('parses --blur, --jpeg, --backgrounds and --background-fraction', () => {
    const o = parseSynthOptions(['--out', 'x', '--count', '5', '--blur', '0', '--jpeg', '0.75', '--backgrounds', 'photos', '--background-fraction', '0.25']);
    expect(o.face).toEqual({ blur: { probability: 0 }, jpeg: { probability: 0.75 }, backgrounds: { dir: resolve('photos'), probability: 0.25 } });
    expect(parseSynthOptions(['--out', 'x', '--count', '5', '--backgrounds', 'photos']).face).toEqual({ backgrounds: { dir: resolve('photos'), probability: 0.5 } });
  });

  it('rejects bad values', () => {
    const bad = (args: string[]) => () => parseSynthOptions(['--out', 'x', '--count', '5', ...args]);
    expect(bad(['--blur', '1.5'])).toThrow(InvalidArgumentError);
    expect(bad(['--jpeg', 'often'])).toThrow(/--jpeg must be a number in \[0, 1\]/);
    expect(bad(['--background-fraction', '0.5'])).toThrow(/needs --backgrounds/);
    expect(bad(['--backgrounds'])).toThrow(/needs a value/);
    expect(bad(['--background', 'x'])).toThrow(/unknown option --background/);
  });

  it('documents the options and the licence caveat in --help', async () => {
    const lines: string[] = [];
    expect(await runDataCommand(['--help'], { log: (l) => lines.push(l) })).toBe(0);
    for (const flag of ['--blur', '--jpeg', '--backgrounds DIR', '--background-fraction']) expect(lines.join('\n')).toContain(flag);
    expect(DATA_COMMAND_HELP).toMatch(/licence applies to the dataset/);
  });

  it('fails before rendering when the background folder is missing or has no images', async () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    const log = () => {};
    await expect(runDataCommand(['synth', '--out', join(root, 'o1'), '--count', '1', '--backgrounds', join(root, 'nope')], { log })).rejects.toThrow(/background folder not found/);
    await expect(runDataCommand(['synth', '--out', join(root, 'o2'), '--count', '1', '--backgrounds', empty], { log })).rejects.toThrow(/no \.jpg/);
  });
});

describe.skipIf(!findSharedDataDir())('data synth with photo backgrounds (needs ../shared/data; skipped when absent)', () => {
  it('records blur, JPEG and the background folder in the manifest', async () => {
    const photos = mkdtempSync(join(root, 'photos-'));
    const data = new Uint8Array(32 * 32 * 3).fill(90);
    writeFileSync(join(photos, 'grey.png'), encodePng({ width: 32, height: 32, channels: 3, data }));
    const out = join(root, 'ds');
    const args = ['synth', '--out', out, '--count', '2', '--image-size', '48', '--uv-resolution', '16', '--backgrounds', photos, '--jpeg', '0.5'];
    expect(await runDataCommand(args, { log: () => {} })).toBe(0);
    const m = readManifest(out);
    expect(m.generatorVersion).toBe(SYNTHETIC_GENERATOR_VERSION);
    expect(m.generator.blur).toEqual({ probability: 0.3, sigma: [0.5, 2] });
    expect(m.generator.jpeg).toEqual({ probability: 0.5, quality: [30, 90] });
    expect(m.generator.backgrounds).toMatchObject({ dir: photos, probability: 0.5, images: 1 });
    expect(m.generator.backgrounds?.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    // Resuming with the same options is fine; with another JPEG fraction it is a mismatch.
    expect(await runDataCommand(args, { log: () => {} })).toBe(0);
    await expect(runDataCommand([...args.slice(0, -1), '0.4'], { log: () => {} })).rejects.toThrow(/generator/);
  });
});

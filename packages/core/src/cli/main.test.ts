import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidBoxError } from '../errors.js';
import { parseObj } from '../geometry/obj.js';
import { coreAssetPath, encodePng } from '../node/index.js';
import { parseBoxArg, UsageError } from './args.js';
import { main, runCli } from './main.js';

const samplePath = coreAssetPath('samples', 'sample-face.png');
const sampleBox = (JSON.parse(readFileSync(coreAssetPath('samples', 'sample-face.json'), 'utf8')) as { box: number[] }).box;

describe('prnet CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prnet-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses boxes strictly', () => {
    expect(parseBoxArg('1,2,30.5,40')).toEqual([1, 2, 30.5, 40]);
    expect(() => parseBoxArg('1,2,3')).toThrow(UsageError);
    expect(() => parseBoxArg('1,2,a,4')).toThrow(UsageError);
    expect(() => parseBoxArg('10,10,10,40')).toThrow(InvalidBoxError);
  });

  it('landmarks: keeps the batch contract, one result line per request, errors per line', async () => {
    const corrupt = join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const gray = join(dir, 'gray.png');
    writeFileSync(gray, encodePng({ width: 64, height: 48, channels: 1, data: new Uint8Array(64 * 48).fill(90) }));
    const requests = [
      { image: samplePath, box: sampleBox },
      { image: join(dir, 'missing.png'), box: sampleBox },
      'this is not json',
      { image: corrupt },
      { image: samplePath, box: [10, 10, 10, 50] },
      { image: gray, box: [8, 8, 40, 40] },
      { image: samplePath, box: [5000, 5000, 5100, 5100] },
      { image: samplePath },
    ];
    const input = join(dir, 'requests.jsonl');
    const output = join(dir, 'results.jsonl');
    writeFileSync(input, requests.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'));
    const code = await main(['landmarks', '--input', input, '--output', output, '--batch', '3', '--quiet']);
    expect(code).toBe(1);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(requests.length);
    const ok = [0, 5, 7];
    lines.forEach((line, i) => {
      if (ok.includes(i)) {
        expect(Object.keys(line).sort()).toEqual(['image', 'landmarks68', 'pose']);
        expect(line.landmarks68).toHaveLength(68);
        for (const p of line.landmarks68) {
          expect(p).toHaveLength(3);
          for (const v of p) expect(Number.isFinite(v)).toBe(true);
        }
        expect(Object.keys(line.pose).sort()).toEqual(['pitch', 'roll', 'yaw']);
      } else {
        expect(Object.keys(line).sort()).toEqual(['error', 'image']);
        expect(typeof line.error).toBe('string');
      }
    });
    expect(lines[1].error).toMatch(/missing\.png/);
    expect(lines[4].error).toMatch(/zero or negative size/);
    expect(lines[6].error).toMatch(/outside/);
    expect(lines[0].image).toBe(samplePath);
  });

  it('landmarks: exit code 0 when every line succeeds', async () => {
    const input = join(dir, 'ok.jsonl');
    const output = join(dir, 'ok-results.jsonl');
    writeFileSync(input, `${JSON.stringify({ image: samplePath, box: sampleBox })}\n\n`);
    expect(await main(['landmarks', '--input', input, '--output', output, '--quiet'])).toBe(0);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('landmarks --flip --refine: the combined test-time options move the points a little, not wildly', async () => {
    const input = join(dir, 'tta.jsonl');
    writeFileSync(input, `${JSON.stringify({ image: samplePath, box: sampleBox })}\n`);
    const plainOut = join(dir, 'tta-plain.jsonl');
    const ttaOut = join(dir, 'tta-results.jsonl');
    expect(await main(['landmarks', '--input', input, '--output', plainOut, '--quiet'])).toBe(0);
    expect(await main(['landmarks', '--input', input, '--output', ttaOut, '--quiet', '--flip', '--refine'])).toBe(0);
    const plain = JSON.parse(readFileSync(plainOut, 'utf8')).landmarks68 as number[][];
    const tta = JSON.parse(readFileSync(ttaOut, 'utf8')).landmarks68 as number[][];
    const moved = plain.map((p, k) => Math.hypot(p[0] - tta[k][0], p[1] - tta[k][1]));
    expect(Math.max(...moved)).toBeGreaterThan(0.01);
    expect(Math.max(...moved)).toBeLessThan(0.05 * (sampleBox[2] - sampleBox[0]));
  });

  it('reconstruct: writes mesh, texture, landmarks + pose, depth image, overlay', async () => {
    const out = join(dir, 'recon');
    expect(await main(['reconstruct', samplePath, '--box', sampleBox.join(','), '--out', out, '--quiet'])).toBe(0);
    for (const suffix of ['.obj', '_textured.obj', '_textured.mtl', '_texture.png', '.ply', '.json', '_depth.png', '_overlay.png']) {
      expect(existsSync(join(out, `sample-face${suffix}`))).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(out, 'sample-face.json'), 'utf8'));
    expect(json.landmarks68).toHaveLength(68);
    const mesh = parseObj(readFileSync(join(out, 'sample-face.obj'), 'utf8'));
    expect(mesh.vertices.length / 3).toBe(json.denseVertices);
    expect(mesh.triangles.length / 3).toBe(json.triangles);
  });

  it('reports usage errors and bad images with exit codes 2 and 1, without throwing', async () => {
    const saved = process.exitCode;
    try {
      await runCli(['reconstruct']);
      expect(process.exitCode).toBe(2);
      await runCli(['frobnicate']);
      expect(process.exitCode).toBe(2);
      await runCli(['reconstruct', join(dir, 'nope.jpg'), '--quiet']);
      expect(process.exitCode).toBe(1);
      await runCli(['reconstruct', samplePath, '--box', '1,2,3', '--quiet']);
      expect(process.exitCode).toBe(2);
    } finally {
      process.exitCode = saved;
    }
  });
});

/**
 * The evaluation contract: `prnet landmarks` (core's CLI, the batch form external scorers run)
 * must give the same 68 landmarks as `evaluateModel` computes in-process for the same images and
 * ground-truth boxes. Runs core's built CLI (`packages/core/bin/prnet.cjs` → `dist/`; build with
 * `npx turbo run build`) on 5 AFLW2000-3D dev images. Skips when ../shared/data is absent.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { boxOfPoints } from '@prnet/core';
import { corePackageRoot, createPrnet } from '@prnet/core/node';
import { useTestBackend } from '@prnet/core/testing';
import { findAflw2000DevDir, loadAflw2000 } from './aflw2000.js';
import { evaluateModel } from './evaluate.js';

const devDir = findAflw2000DevDir();
const COUNT = 5;

describe.skipIf(!devDir)('prnet landmarks CLI = evaluateModel (needs ../shared/data; skipped when absent)', () => {
  it(`gives the same landmarks (within 1e-3 px) on ${COUNT} dev images`, async () => {
    const bin = join(corePackageRoot(), 'bin', 'prnet.cjs');
    const built = join(corePackageRoot(), 'dist', 'cli.cjs');
    expect(existsSync(built), `core's CLI is not built (${built}): run npx turbo run build`).toBe(true);

    const dataset = loadAflw2000(devDir!);
    // Every 7th sample: a mix of |yaw| bins.
    const samples = dataset.samples.filter((_, i) => i % 7 === 0).slice(0, COUNT);
    const work = mkdtempSync(join(tmpdir(), 'prnet-contract-'));
    try {
      const requests = join(work, 'requests.jsonl');
      const results = join(work, 'results.jsonl');
      // Image paths relative to the working directory, as the contract says.
      writeFileSync(
        requests,
        samples.map((s) => JSON.stringify({ image: s.image, box: Array.from(boxOfPoints(s.landmarks68)) })).join('\n'),
      );
      await promisify(execFile)(
        process.execPath,
        [bin, 'landmarks', '--input', requests, '--output', results, '--backend', 'wasm', '--quiet'],
        { cwd: dataset.dir, timeout: 60_000 },
      );
      const lines = readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(COUNT);

      await useTestBackend();
      const prnet = await createPrnet({ detector: false });
      let inProcess: Awaited<ReturnType<typeof evaluateModel>>;
      try {
        inProcess = await evaluateModel({ prnet, data: { dir: dataset.dir, samples } });
      } finally {
        prnet.dispose();
      }
      let worst = 0;
      lines.forEach((line, k) => {
        expect(line.error).toBeUndefined();
        expect(line.image).toBe(samples[k].image);
        expect(line.landmarks68).toHaveLength(68);
        const ours = inProcess.samples[k].landmarks68!;
        (line.landmarks68 as number[][]).forEach((p, i) => {
          for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(p[c] - ours[3 * i + c]));
        });
        const angles = inProcess.samples[k].predAngles!;
        expect(line.pose.pitch).toBeCloseTo(angles[0], 2);
        expect(line.pose.yaw).toBeCloseTo(angles[1], 2);
        expect(line.pose.roll).toBeCloseTo(angles[2], 2);
      });
      // The CLI rounds to 1e-3 px (≤ 5e-4 error); the rest is float noise of batched inference.
      expect(worst).toBeLessThan(1e-3);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

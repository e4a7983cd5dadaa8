/**
 * The playground in a real browser: Debian's Chromium (headless, SwiftShader WebGL2) driven by
 * playwright-core, with a fake webcam playing a clip the project renders itself (`clip.ts`).
 *
 * Always run: the page survives camera denial with a clear message; 300 tracked frames on the
 * tfjs wasm backend with a flat tensor count and byte count and a bounded JS heap; a short run on
 * the webgl backend (software WebGL here is ~2 s per frame) with a flat tensor count; the avatar's
 * head follows the tracker's yaw; ms per frame is printed for both backends. Run only when the shipped model is trained (its model
 * card says `trained: true`): the avatar's yaw follows the clip's yaw — the untrained initial model
 * outputs the mean face whatever the image — and jawOpen and eyeBlink rising and falling with the clip.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLIP, clipParams, makeClip, makeSampleClip } from './clip.js';
import { serveStatic } from './static-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = join(here, '..');
const dist = join(appDir, 'dist');
const CHROMIUM = process.env.PRNET_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium; or set PRNET_CHROMIUM)`);

const require = createRequire(import.meta.url);
// The model the page serves: the shipped one, or PRNET_PLAYGROUND_MODEL (build dist/ with the same variable).
const modelJson =
  process.env.PRNET_PLAYGROUND_MODEL ?? join(dirname(require.resolve('@prnet/core/package.json')), 'assets/models/default/model.json');
// PRNET_EXPECT_TRACKING=1 runs the tracking-accuracy checks whatever the model card says (e.g. for a checkpoint).
const TRAINED =
  JSON.parse(readFileSync(modelJson, 'utf8')).userDefinedMetadata?.prnet?.trained === true || process.env.PRNET_EXPECT_TRACKING === '1';
// Blinks come from the iris landmarker (MediaPipe's iris model on the tracked eyes), so the
// eyeBlink check runs whenever the tracking checks do.
const BLINKS = TRAINED;
if (!TRAINED) {
  console.warn(
    'browser test: the shipped model is UNTRAINED (model.json userDefinedMetadata.prnet.trained = false): ' +
      'skipping the assertions that need real tracking (avatar yaw, jawOpen and eyeBlink follow the clip)',
  );
}

const BASE_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const FRAMES = 300;
const WARMUP = 60;
/** Frames of the webgl run (SwiftShader on 2 CPU cores: about 2 s per frame). */
const WEBGL_FRAMES = 12;

interface FrameRecord {
  clipFrame: number;
  yaw: number;
  avatarYaw: number;
  headErrorDeg: number;
  calibrated: boolean;
  jawOpen: number;
  eyeBlinkLeft: number;
  eyeBlinkRight: number;
  latencyMs: number;
  tensors: number;
  tensorBytes: number;
  heap: number;
}

describe.skipIf(!haveChromium)('playground in Chromium with a fake webcam', () => {
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let clip: string;
  /** True when the clip is the rendered one with known motion (needs the ICT data). */
  let rendered = false;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) execSync('npx vite build', { cwd: appDir, stdio: 'inherit' });
    server = await serveStatic(dist);
    const made = makeClip(join(here, '.cache'));
    rendered = made !== undefined;
    if (!made) {
      console.warn(
        'ICT Face Model data not found (../shared/data/ict-face-model or $PRNET_DATA_DIR): the fake webcam plays a still clip of the ' +
          "shipped sample face instead; the checks against the clip's known motion are skipped",
      );
    }
    clip = made ?? makeSampleClip(join(here, '.cache'));
  });

  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await server?.close();
  });

  async function launch(args: string[]): Promise<Browser> {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_ARGS, '--enable-precise-memory-info', ...args] });
    browsers.push(browser);
    return browser;
  }

  const state = (page: Page) =>
    page.evaluate(() => {
      const s = (window as unknown as { __playground: { status: string; error?: string; errorCode?: string; backend: string; frames: unknown[] } }).__playground;
      return { status: s.status, error: s.error, errorCode: s.errorCode, backend: s.backend, frames: s.frames.length };
    });

  it('survives camera denial with a clear message', async () => {
    const browser = await launch(['--use-fake-device-for-media-stream', '--deny-permission-prompts']);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?test=1`);
    await page.waitForFunction(() => (window as unknown as { __playground: { status: string } }).__playground?.status === 'error', undefined, {
      timeout: 60_000,
    });
    const s = await state(page);
    expect(s.errorCode).toBe('CAMERA_PERMISSION_DENIED');
    const text = await page.textContent('#status');
    expect(text).toMatch(/camera access was denied/i);
    expect(await page.getAttribute('#status', 'data-kind')).toBe('error');
    expect(errors).toEqual([]);
    // The page is still alive: the Babylon scene keeps rendering.
    expect(await page.evaluate(() => document.querySelector('canvas#scene') !== null)).toBe(true);
    await browser.close();
  });

  it('reports a machine without a camera with a clear message', async (ctx) => {
    // No fake device: on a machine without a camera (CI, containers) getUserMedia finds none.
    const browser = await launch(['--use-fake-ui-for-media-stream']);
    const page = await browser.newPage();
    await page.goto(`${server.url}?test=1`);
    const cameras = await page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').length);
    if (cameras > 0) {
      await browser.close();
      ctx.skip();
    }
    await page.waitForFunction(() => (window as unknown as { __playground: { status: string } }).__playground?.status === 'error', undefined, {
      timeout: 60_000,
    });
    const s = await state(page);
    expect(s.errorCode).toBe('CAMERA_NOT_FOUND');
    expect(await page.textContent('#status')).toMatch(/no camera was found/i);
    await browser.close();
  });

  /** Opens the playground on the fake webcam and collects `warmup + frames` tracked-frame records. */
  async function trackClip(
    backend: string,
    warmup: number,
    frames: number,
  ): Promise<{ records: FrameRecord[]; wallMs: number; backend: string; heaps: number[] }> {
    const browser = await launch([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${clip}`,
      '--autoplay-policy=no-user-gesture-required',
      '--js-flags=--expose-gc',
    ]);
    const page = await browser.newPage({ viewport: { width: 960, height: 540 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Calibrate on clip frame 0 (neutral, looking at the camera), as a user would.
    await page.goto(`${server.url}?test=1&scale=4&backend=${backend}&calibrateAt=0`);
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __playground: { status: string } }).__playground;
        return s?.status === 'running' || s?.status === 'error';
      },
      undefined,
      { timeout: 120_000 },
    );
    const started = await state(page);
    if (started.status === 'error') throw new Error(`the page failed to start: ${started.error}`);
    const count = (n: number) =>
      page.waitForFunction((k) => (window as unknown as { __playground: { frames: unknown[] } }).__playground.frames.length >= k, n, {
        timeout: 240_000,
        polling: 250,
      });
    // Retained JS heap after a full garbage collection (what a leak would grow).
    const heap = () =>
      page.evaluate(async () => {
        const gc = (window as unknown as { gc?: () => void }).gc;
        gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
        gc?.();
        return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
      });
    await count(warmup);
    const heaps = [await heap()];
    const t0 = Date.now();
    let paused = 0;
    for (let done = 50; done <= frames; done += 50) {
      await count(warmup + done);
      const p0 = Date.now();
      heaps.push(await heap());
      paused += Date.now() - p0;
    }
    await count(warmup + frames);
    const wallMs = Date.now() - t0 - paused;
    const records = (await page.evaluate(() => (window as unknown as { __playground: { frames: unknown[] } }).__playground.frames)) as FrameRecord[];
    await page.screenshot({ path: join(here, '.cache', `playground-${backend}.png`) });
    expect(errors).toEqual([]);
    await browser.close();
    const measured = records.slice(warmup, warmup + frames);
    const latency = measured.reduce((a, r) => a + r.latencyMs, 0) / measured.length;
    console.log(
      `browser tracking, tfjs ${started.backend} backend (headless Chromium, SwiftShader WebGL, ${CLIP.width}×${CLIP.height} ${rendered ? 'rendered' : 'sample-face'} clip): ` +
        `${latency.toFixed(1)} ms per frame (tracking step: frame → tensor → network → mesh → blendshapes; mean of ${measured.length}), ` +
        `${(wallMs / frames).toFixed(1)} ms per tracked frame wall-clock (${((frames * 1000) / wallMs).toFixed(2)} tracked fps with rendering)`,
    );
    return { records, wallMs, backend: started.backend, heaps };
  }

  /** The same tensor count and bytes at every record. */
  function expectFlatTensors(measured: FrameRecord[]): void {
    const tensors = new Set(measured.map((r) => r.tensors));
    const bytes = new Set(measured.map((r) => r.tensorBytes));
    expect([...tensors]).toHaveLength(1);
    expect([...bytes]).toHaveLength(1);
    console.log(`tfjs tensors ${[...tensors][0]} (${[...bytes][0]} bytes) at each of ${measured.length} frames`);
  }

  it('tracks on the webgl backend with a flat tensor count (a short run: software WebGL is slow)', async () => {
    const { records, backend } = await trackClip('webgl', 3, WEBGL_FRAMES);
    expect(backend).toBe('webgl');
    expectFlatTensors(records.slice(3, 3 + WEBGL_FRAMES));
  });

  describe(`${FRAMES} frames on the wasm backend`, () => {
    let records: FrameRecord[] = [];
    let heaps: number[] = [];

    beforeAll(async () => {
      ({ records, heaps } = await trackClip('wasm', WARMUP, FRAMES));
    });

    it(`tracks ${FRAMES} frames with a flat tensor count and bounded memory`, () => {
      const measured = records.slice(WARMUP, WARMUP + FRAMES);
      expect(measured).toHaveLength(FRAMES);
      expectFlatTensors(measured);
      // JS heap after two forced GCs, every 50 frames. The page keeps one ~0.2 kB record per frame
      // for this test; anything the tracking retained per frame (a 15,620-vertex mesh is 187 kB)
      // would show up as tens of MB. The first 50 tracked frames allocate once-only state (measured:
      // +0.3 to +2.1 MB between the first two readings, then flat), so the steady state is compared:
      // the median of the readings after 50–150 frames against the median of the last three. A single
      // reading can be off either way: garbage one GC missed (measured: +3.4 MB spikes with the iris
      // model on) or a dip (measured: 30.4 MB between 32.4 and 32.6), and the median of three ignores
      // one. Two dips in a row happen too (measured: 32.7, 30.7, 30.8, then 33.2 ×3 — no growth over
      // the first reading), so the early reference is the highest of the readings after 50–150 frames.
      // The references (after ≤ 150 and 250 frames) are at least 100 frames apart, so a leak of 20 kB per
      // frame fails it (with a 3.4 MB spike in the early readings, 55 kB; a retained mesh is 187 kB).
      console.log(`JS heap after GC, every 50 frames (MB): ${heaps.map((h) => (h / 1e6).toFixed(1)).join(', ')}`);
      expect(heaps[0]).toBeGreaterThan(0);
      expect(heaps.length).toBeGreaterThanOrEqual(7);
      const median3 = (values: number[]) => [...values].sort((a, b) => a - b)[1];
      expect(median3(heaps.slice(-3)) - Math.max(...heaps.slice(1, 4))).toBeLessThan(2e6);
    });

    it("turns the avatar's head by the tracker's rotation", () => {
      const measured = records.slice(WARMUP).filter((r) => Number.isFinite(r.headErrorDeg));
      expect(measured.length).toBeGreaterThan(FRAMES / 2);
      for (const r of measured) expect(r.headErrorDeg).toBeLessThan(1);
    });

    it('reads which clip frame each step saw', () => {
      const frames = rendered ? CLIP.frames : 30;
      const codes = records.map((r) => r.clipFrame).filter((c) => c >= 0 && c < frames);
      expect(codes.length).toBeGreaterThan(records.length * 0.9);
      expect(new Set(codes).size).toBeGreaterThan(frames / 4);
    });

    it.skipIf(!TRAINED)("the avatar's yaw follows the clip's yaw (MAE < 10°, correlation > 0.9)", (ctx) => {
      if (!rendered) ctx.skip();
      const pairs = records.slice(WARMUP).filter((r) => r.calibrated && r.clipFrame >= 0 && r.clipFrame < CLIP.frames);
      // Mirrored (the playground's default): the avatar shows the clip's yaw negated (AFLW signs, > 0 = nose to image left).
      const expected = pairs.map((r) => -clipParams(r.clipFrame).yaw);
      const got = pairs.map((r) => r.avatarYaw);
      const mae = got.reduce((a, g, i) => a + Math.abs(g - expected[i]), 0) / got.length;
      console.log(`avatar yaw vs clip yaw: MAE ${mae.toFixed(1)}°, correlation ${correlation(got, expected).toFixed(3)}`);
      expect(correlation(got, expected)).toBeGreaterThan(0.9);
      expect(mae).toBeLessThan(10);
    });

    /** Mean weight over the clip frames where `on` holds and where it does not (after the warm-up). */
    const contrast = (value: (r: FrameRecord) => number, on: (f: number) => boolean) => {
      const pairs = records.slice(WARMUP).filter((r) => r.calibrated && r.clipFrame >= 0 && r.clipFrame < CLIP.frames);
      const a = pairs.filter((r) => on(r.clipFrame)).map(value);
      const b = pairs.filter((r) => !on(r.clipFrame)).map(value);
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / Math.max(1, x.length);
      return { on: mean(a), off: mean(b), n: a.length };
    };

    it.skipIf(!TRAINED)('jawOpen rises and falls with the clip (mean contrast > 0.25)', (ctx) => {
      if (!rendered) ctx.skip();
      const jaw = contrast((r) => r.jawOpen, (f) => clipParams(f).jawOpen > 0);
      console.log(`jawOpen: ${jaw.on.toFixed(2)} with the clip's mouth open vs ${jaw.off.toFixed(2)} closed (${jaw.n} open frames)`);
      expect(jaw.n).toBeGreaterThan(5);
      // Weights are 0..1; the clip opens the jaw to 0.8.
      expect(jaw.on - jaw.off).toBeGreaterThan(0.25);
    });

    it.skipIf(!BLINKS)('eyeBlink rises and falls with the clip (mean contrast > 0.15)', (ctx) => {
      if (!rendered) ctx.skip();
      const blink = contrast((r) => (r.eyeBlinkLeft + r.eyeBlinkRight) / 2, (f) => clipParams(f).eyeBlink > 0);
      console.log(`eyeBlink: ${blink.on.toFixed(2)} with the clip's eyes closed vs ${blink.off.toFixed(2)} open (${blink.n} closed frames)`);
      expect(blink.n).toBeGreaterThan(3);
      // The clip closes the eyes fully; eyelid closure is a small displacement on a 128² position map.
      expect(blink.on - blink.off).toBeGreaterThan(0.15);
    });
  });
});

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb || 1);
}

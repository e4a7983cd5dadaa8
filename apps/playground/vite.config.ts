import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
/** The folder of an installed package (found from its main entry: not every package exports ./package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = up;
  }
  return dir;
}

/**
 * The model files the page loads, served from the installed packages (dev and preview) and
 * copied into dist/ (build): URL path → file.
 */
function modelFiles(): Record<string, string> {
  const core = packageDir('@prnet/core');
  const plugin = packageDir('@prnet/babylon-plugin');
  const human = join(packageDir('@vladmandic/human'), 'models');
  const wasm = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  // PRNET_PLAYGROUND_MODEL=/path/to/model.json serves another model (e.g. a training checkpoint).
  const modelJson = process.env.PRNET_PLAYGROUND_MODEL ?? join(core, 'assets/models/default/model.json');
  const manifest = JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const model: Record<string, string> = { 'models/default/model.json': modelJson };
  for (const group of manifest.weightsManifest) {
    for (const path of group.paths) model[`models/default/${path}`] = join(dirname(modelJson), path);
  }
  return {
    ...model,
    'tfjs-wasm/tfjs-backend-wasm.wasm': join(wasm, 'tfjs-backend-wasm.wasm'),
    'tfjs-wasm/tfjs-backend-wasm-simd.wasm': join(wasm, 'tfjs-backend-wasm-simd.wasm'),
    'tfjs-wasm/tfjs-backend-wasm-threaded-simd.wasm': join(wasm, 'tfjs-backend-wasm-threaded-simd.wasm'),
    'uv-layout-128.bin': join(core, 'assets/uv-layout-128.bin'),
    'arkit-basis-128.bin': join(plugin, 'assets/arkit-basis-128.bin'),
    'blazeface/blazeface.json': join(human, 'blazeface.json'),
    'blazeface/blazeface.bin': join(human, 'blazeface.bin'),
    'iris/iris.json': join(human, 'iris.json'),
    'iris/iris.bin': join(human, 'iris.bin'),
  };
}

function serveModelFiles(): Plugin {
  const files = modelFiles();
  const middleware = (req: { url?: string }, res: { setHeader(k: string, v: string): void; end(b: Buffer): void }, next: () => void) => {
    const path = (req.url ?? '').split('?')[0].replace(/^\//, '');
    const file = files[path];
    if (!file) return next();
    res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
    res.end(readFileSync(file));
  };
  return {
    name: 'prnet-model-files',
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    generateBundle() {
      for (const [fileName, file] of Object.entries(files)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
      }
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [serveModelFiles()],
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  preview: { port: 4173 },
});

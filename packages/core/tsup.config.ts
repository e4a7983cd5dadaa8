import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    geometry: 'src/geometry/index.ts',
    node: 'src/node/index.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', geometry: 'src/geometry/index.ts', node: 'src/node/index.ts', testing: 'src/testing/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Shared chunks, so each class (errors!) exists once across the entries and `instanceof` works.
  splitting: true,
  shims: true,
  // tfjs packages are peers (one tfjs across the app); never bundle them.
  external: [/^@tensorflow\//, /^@vladmandic\//, 'jpeg-js', 'pngjs'],
});

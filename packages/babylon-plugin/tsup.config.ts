import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Peers (one Babylon, one tfjs, one core across the app): never bundle them.
  external: [/^@babylonjs\//, /^@tensorflow\//, /^@prnet\//],
});

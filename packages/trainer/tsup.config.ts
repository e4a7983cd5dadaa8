import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli/main.ts',
    // the dataset writer's worker_threads entry (see data/write-dataset.ts)
    'data-worker': 'src/data/worker-entry.ts',
    // the data-parallel trainer's gradient worker (see train/parallel.ts)
    'train-worker': 'src/train/train-worker-entry.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  shims: true,
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const core = (path: string) => fileURLToPath(new URL(`../core/src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Test against core's sources so a change in core is seen without rebuilding it.
    alias: [
      { find: /^@prnet\/core\/node$/, replacement: core('node/index.ts') },
      { find: /^@prnet\/core\/geometry$/, replacement: core('geometry/index.ts') },
      { find: /^@prnet\/core\/testing$/, replacement: core('testing/index.ts') },
      { find: /^@prnet\/core$/, replacement: core('index.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

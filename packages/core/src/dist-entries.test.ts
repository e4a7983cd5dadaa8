import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corePackageRoot } from './node/package-assets.js';

// The published entries (`.`, `./node`, `./geometry`) are separate bundles; they must share one
// copy of each class so `instanceof NoFaceError` works whichever entry threw it.
const dist = join(corePackageRoot(), 'dist');

describe('built package entries', () => {
  it('exists (turbo builds core before its tests)', () => {
    expect(existsSync(join(dist, 'index.js')), 'run `npx turbo run build` first').toBe(true);
  });

  it('shares classes and functions across ESM entries', async () => {
    const main = await import(join(dist, 'index.js'));
    const node = await import(join(dist, 'node.js'));
    const geometry = await import(join(dist, 'geometry.js'));
    expect(node.NoFaceError).toBe(main.NoFaceError);
    expect(node.PrnetError).toBe(main.PrnetError);
    expect(geometry.cropFromBox).toBe(main.cropFromBox);
  });

  it('shares classes across CommonJS entries', () => {
    const require = createRequire(import.meta.url);
    const main = require(join(dist, 'index.cjs'));
    const node = require(join(dist, 'node.cjs'));
    expect(node.InvalidImageError).toBe(main.InvalidImageError);
    expect(typeof node.createPrnet).toBe('function');
  });
});

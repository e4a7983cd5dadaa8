/**
 * `@prnet/core/node` for notebooks. tslab type-checks cells with Node 10 module resolution, which
 * ignores the `exports` subpaths of package.json, so `import … from '@prnet/core/node'` fails to
 * type-check there. The types come from the built declaration file by path and the module from
 * `require` (core's CommonJS build, the same one `@prnet/trainer` loads).
 * `@prnet/trainer` and `@prnet/core` (main entry) import normally.
 */
import type * as CoreNode from '@prnet/core/dist/node';

export const prnetNode: typeof CoreNode = require('@prnet/core/node');
export type { Box, FaceReconstruction, HeadPose, RgbImage, UvLayout } from '@prnet/core/dist/node';

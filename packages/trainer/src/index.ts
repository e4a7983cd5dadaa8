/**
 * `@prnet/trainer` — data, models and calibration for `@prnet/core` (Node only).
 * Importing this module does no work; the `prnet-train` CLI runs the tools.
 */
export * from './ict/ict-model.js';
export * from './uv-layout/uv-rasteriser.js';
export * from './uv-layout/build-uv-layout.js';
export { writeUvLayoutAssets } from './uv-layout/tool.js';
export { writeUvLayoutPngs } from './uv-layout/visualise.js';
export * from './render/rasteriser.js';
export * from './render/face-renderer.js';
export * from './render/appearance.js';
export * from './render/random-face.js';
export * from './render/label.js';
export * from './render/contact-sheet.js';
export { writeSampleFace, sampleFaceParams, type SampleFaceOptions, type SampleFaceResult } from './render/sample.js';
export { createInitialNetwork, meanFaceTargets } from './init-model/init-model.js';
export { growPrnetLight, lightArchitecture, type GrowOptions, type LightArchitecture } from './init-model/grow.js';
export * from './eval/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './backend/index.js';
export * from './label/index.js';

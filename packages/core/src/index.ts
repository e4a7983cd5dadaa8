/**
 * `@prnet/core` — PRNet (Feng et al., ECCV 2018) UV position-map face reconstruction for tfjs.
 *
 * Three layers, as in the paper's code: the network (`model/`), the reconstructor that crops,
 * runs and un-crops (`createPrnet`), and stateless geometry over typed arrays (`geometry/`,
 * also importable alone as `@prnet/core/geometry`). Node conveniences (files, default model,
 * detector, backend selection) live in `@prnet/core/node`. Importing this module does no work.
 */
export * from './errors.js';
export {
  CROP_DEPTH_CENTRE,
  CROP_SCALE,
  OUTPUT_OFFSET,
  OUTPUT_SCALE,
  positionFromSigmoid,
  sigmoidFromPosition,
} from './conventions.js';
export * from './geometry/index.js';
export type { RgbImage } from './image/rgb-image.js';
export { imageSize, imageToTensor, type ImageSize, type PrnetImageInput } from './image/to-tensor.js';
export { cropToTensor, type CropSampler, type CropToTensorOptions } from './image/crop-tensor.js';
export { REGION, WEIGHT, type UvLayout } from './uv/layout.js';
export { uvMirrorMap } from './uv/mirror.js';
export {
  assembleUvLayout,
  cellTrianglesOf,
  decodeUvLayout,
  encodeUvLayout,
  loadUvLayout,
  CELL_TRIANGLES,
  UV_LAYOUT_MAGIC,
  UV_LAYOUT_VERSION,
  type UvLayoutParts,
} from './uv/layout-codec.js';
export * from './detector/index.js';
export * from './eyes/index.js';
export {
  createPrnetNetwork,
  wrapPrnetNetwork,
  type CreatePrnetNetworkOptions,
  type PrnetNetwork,
  type PrnetNetworkOptions,
} from './model/network.js';
export {
  defaultMetadata,
  validateMetadata,
  METADATA_KEY,
  PRNET_ARCHITECTURES,
  type PrnetArchitecture,
  type PrnetModelMetadata,
} from './model/metadata.js';
export { loadPrnetNetwork, savePrnetNetwork, type LoadPrnetNetworkOptions, type SavePrnetNetworkOptions } from './model/load.js';
export { createResfcn256, type Resfcn256Options } from './model/resfcn256.js';
export { createPrnetLight, prnetLightLayerScopes, type PrnetLightOptions } from './model/light.js';
export { compileInferencePlan, type InferencePlan } from './model/inference-plan.js';
export { CoordinateChannels, coordinatePlanes, registerPrnetLayers } from './model/coordinate-channels.js';
export { encodeFloat16, float16Bits, FLOAT16_MAX } from './model/float16.js';
export {
  createPrnet,
  type BatchItem,
  type Prnet,
  type PrnetConfig,
  type PrnetModelSource,
  type ReconstructOptions,
  type UvLayoutSource,
} from './prnet.js';
export type { FaceReconstruction } from './reconstruction.js';
export { registerWasmInt32BatchMatMul } from './backend/wasm-int32-matmul.js';

/** Test fixtures for this package's and other packages' tests (no data files needed). */
export { syntheticLayout, type SyntheticLayoutOptions } from './synthetic-layout.js';
export { coordinateImage, posedPositionMap, type SyntheticPlacement } from './synthetic-face.js';
export { useTestBackend } from './backend.js';
export { turnedImage } from './turned-image.js';

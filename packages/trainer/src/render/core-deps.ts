/** The @prnet/core pieces the renderer uses, imported in one place. */
export type { RgbImage, Box, CropTransform } from '@prnet/core';
export { boxOfPoints, cropFromBox, imageToCropPoints, cropToImagePoints, InvalidArgumentError } from '@prnet/core';

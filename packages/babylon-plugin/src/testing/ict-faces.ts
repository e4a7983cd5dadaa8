/**
 * Test fixture: dense meshes (in the shipped 128² UV layout, image frame) of ICT Face Model heads
 * with known ARKit weights and head pose. Needs the ICT data; `loadIctFixture()` returns
 * undefined (and the tests skip with a message) when it is absent.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeUvLayout, denseVertices, rotationFromAngles, type UvLayout } from '@prnet/core';
import { buildIctMesh, findSharedDataDir, loadIctModel, type IctModel } from '../../../trainer/src/ict/ict-model.js';
import { createUvRasteriser, type UvRasteriser } from '../../../trainer/src/uv-layout/uv-rasteriser.js';
import { ictExpressionFromArkit } from '../../scripts/ict-arkit.js';
import { decodeBlendshapeBasis, type BlendshapeBasis } from '../blendshape-basis.js';

const require = createRequire(import.meta.url);

/** The shipped 128² UV layout (from `@prnet/core/assets`). */
export function shippedLayout(): UvLayout {
  const path = join(dirname(require.resolve('@prnet/core/package.json')), 'assets', 'uv-layout-128.bin');
  return decodeUvLayout(new Uint8Array(readFileSync(path)));
}

/** This package's shipped basis asset. */
export function shippedBasis(): BlendshapeBasis {
  return decodeBlendshapeBasis(new Uint8Array(readFileSync(join(__dirnameOf(), '..', '..', 'assets', 'arkit-basis-128.bin'))));
}

function __dirnameOf(): string {
  return dirname(new URL(import.meta.url).pathname);
}

export interface IctFixture {
  readonly model: IctModel;
  readonly layout: UvLayout;
  readonly raster: UvRasteriser;
  /**
   * Dense vertices (image frame: pixels, y down, z to the viewer) of a head with the given ARKit
   * weights, identity weights and pose (AFLW2000-3D degrees), `scale` px/cm, centred at (cx, cy).
   */
  face(options: {
    arkit?: Record<string, number>;
    identity?: number[];
    pitch?: number;
    yaw?: number;
    roll?: number;
    scale?: number;
    centre?: [number, number];
  }): Float32Array;
}

export const ICT_MISSING_MESSAGE =
  'ICT Face Model data not found (../shared/data/ict-face-model or $PRNET_DATA_DIR): skipping tests that need meshes with known expressions';

export function loadIctFixture(): IctFixture | undefined {
  if (!findSharedDataDir()) return undefined;
  const model = loadIctModel();
  const layout = shippedLayout();
  const raster = createUvRasteriser(model, layout.resolution);
  return {
    model,
    layout,
    raster,
    face({ arkit = {}, identity, pitch = 0, yaw = 0, roll = 0, scale = 10, centre = [320, 240] }) {
      const mesh = buildIctMesh(model, { identity, expression: ictExpressionFromArkit(arkit) });
      const map = raster.positionMap(mesh);
      // Model frame (cm, y up) → camera frame: rotationFromAngles is model-to-camera (y up), the
      // head's rest frame tilted by the model's frontal pitch is folded in by estimatePose.
      const R = rotationFromAngles(pitch, yaw, roll);
      const out = new Float32Array(map.length);
      for (let i = 0; i < map.length; i += 3) {
        const x = map[i];
        const y = map[i + 1];
        const z = map[i + 2];
        const cx = R[0] * x + R[1] * y + R[2] * z;
        const cy = R[3] * x + R[4] * y + R[5] * z;
        const cz = R[6] * x + R[7] * y + R[8] * z;
        out[i] = scale * cx + centre[0];
        out[i + 1] = -scale * cy + centre[1];
        out[i + 2] = scale * cz;
      }
      return denseVertices(out, layout);
    },
  };
}

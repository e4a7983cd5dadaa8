import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { io } from '@tensorflow/tfjs-core';
import { ModelLoadError } from '../errors.js';

/** Accepts `file:///abs/model.json`, `file://rel/model.json` or a plain filesystem path. */
export function filePathOf(pathOrUrl: string | URL): string {
  if (pathOrUrl instanceof URL) return fileURLToPath(pathOrUrl);
  if (pathOrUrl.startsWith('file:///')) return fileURLToPath(pathOrUrl);
  if (pathOrUrl.startsWith('file://')) return pathOrUrl.slice('file://'.length);
  return pathOrUrl;
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(buffer.byteLength);
  new Uint8Array(copy).set(buffer);
  return copy;
}

/**
 * A tfjs `io.IOHandler` that loads a model.json (layers or graph model) and its weight shards
 * from the local filesystem, and saves one there. Errors are `ModelLoadError`s that name the file.
 */
export function fileSystemHandler(pathOrUrl: string | URL): io.IOHandler {
  const modelPath = filePathOf(pathOrUrl);
  return {
    async load(): Promise<io.ModelArtifacts> {
      let json: io.ModelJSON;
      try {
        json = JSON.parse(await readFile(modelPath, 'utf8')) as io.ModelJSON;
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        throw new ModelLoadError(
          code === 'ENOENT'
            ? `model file not found: ${modelPath}`
            : `model file ${modelPath} is not readable JSON (truncated or corrupt?)`,
          { cause },
        );
      }
      if (!json || typeof json !== 'object' || !json.modelTopology) {
        throw new ModelLoadError(`${modelPath} is not a tfjs model.json (no modelTopology)`);
      }
      const dir = dirname(modelPath);
      const specs: io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        for (const shard of group.paths) {
          const shardPath = join(dir, shard);
          try {
            buffers.push(await readFile(shardPath));
          } catch (cause) {
            throw new ModelLoadError(`weights file not found or unreadable: ${shardPath}`, { cause });
          }
        }
        specs.push(...group.weights);
      }
      const data = toArrayBuffer(Buffer.concat(buffers));
      const expected = expectedWeightBytes(specs);
      if (expected !== undefined && expected !== data.byteLength) {
        throw new ModelLoadError(
          `weights of ${modelPath} hold ${data.byteLength} bytes but the manifest needs ${expected} (truncated or mismatched file)`,
        );
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
        signature: json.signature,
        modelInitializer: json.modelInitializer,
        weightSpecs: specs,
        weightData: data,
      };
    },
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelLoadError('saving binary model topologies is not supported');
      }
      if (artifacts.modelTopology === undefined) {
        throw new ModelLoadError(`cannot save ${modelPath}: the artifacts have no model topology`);
      }
      const dir = dirname(modelPath);
      await mkdir(dir, { recursive: true });
      const weightsName = `${basename(modelPath, '.json')}.weights.bin`;
      const weightData = artifacts.weightData;
      const parts = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const weights = Buffer.concat(parts.map((p) => Buffer.from(p)));
      const json: io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      await writeFile(join(dir, weightsName), weights);
      await writeFile(modelPath, JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

/** Bytes the weight specs need, or undefined if a spec is quantised/string (sizes not derivable). */
function expectedWeightBytes(specs: io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.quantization) {
      const bytes = DTYPE_BYTES[spec.quantization.dtype];
      if (bytes === undefined) return undefined;
      total += count * bytes;
    } else {
      const bytes = DTYPE_BYTES[spec.dtype];
      if (bytes === undefined) return undefined;
      total += count * bytes;
    }
  }
  return total;
}

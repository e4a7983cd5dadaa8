import type { ExpressionBinds } from './avatar-driver.js';
import { InvalidArgumentError } from './errors.js';

/** The JSON chunk of a binary glTF (.glb / .vrm) file. */
export function readGlbJson(data: ArrayBuffer | Uint8Array): Record<string, unknown> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 20 || view.getUint32(0, true) !== 0x46546c67) throw new InvalidArgumentError('not a binary glTF (.glb/.vrm) file');
  const length = view.getUint32(12, true);
  if (view.getUint32(16, true) !== 0x4e4f534a || 20 + length > bytes.length) throw new InvalidArgumentError('binary glTF without a JSON chunk');
  return JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + length))) as Record<string, unknown>;
}

interface GltfMesh {
  extras?: { targetNames?: string[] };
  primitives?: { extras?: { targetNames?: string[] } }[];
}

/**
 * The expression presets of a VRM file as binds to morph target *names* (what Babylon's glTF
 * loader names the targets: the mesh's `extras.targetNames`, else `morphTarget<i>`), ready for
 * `AvatarDriverConfig.expressionBinds`. VRM 0.x: `VRM.blendShapeMaster` (weights 0..100); VRM 1.0:
 * `VRMC_vrm.expressions.preset` (weights 0..1). Returns {} for a plain glTF.
 */
export function readVrmExpressions(gltf: Record<string, unknown>): { version: 0 | 1 | undefined; binds: ExpressionBinds } {
  const meshes = (gltf.meshes as GltfMesh[] | undefined) ?? [];
  const nodes = (gltf.nodes as { mesh?: number }[] | undefined) ?? [];
  const targetName = (meshIndex: number, index: number): string => {
    const mesh = meshes[meshIndex];
    const names = mesh?.extras?.targetNames ?? mesh?.primitives?.[0]?.extras?.targetNames;
    return names?.[index] ?? `morphTarget${index}`;
  };
  const ext = (gltf.extensions ?? {}) as Record<string, any>;
  const binds: Record<string, { targetName: string; weight: number }[]> = {};
  if (ext.VRMC_vrm?.expressions) {
    const presets = (ext.VRMC_vrm.expressions.preset ?? {}) as Record<string, { morphTargetBinds?: { node: number; index: number; weight: number }[] }>;
    for (const [name, expression] of Object.entries(presets)) {
      binds[name] = (expression.morphTargetBinds ?? [])
        .filter((b) => nodes[b.node]?.mesh !== undefined)
        .map((b) => ({ targetName: targetName(nodes[b.node].mesh!, b.index), weight: b.weight ?? 1 }));
    }
    return { version: 1, binds };
  }
  if (ext.VRM?.blendShapeMaster) {
    const groups = (ext.VRM.blendShapeMaster.blendShapeGroups ?? []) as { presetName?: string; name?: string; binds?: { mesh: number; index: number; weight: number }[] }[];
    for (const group of groups) {
      const name = group.presetName && group.presetName !== 'unknown' ? group.presetName : group.name;
      if (!name) continue;
      binds[name] = (group.binds ?? []).map((b) => ({ targetName: targetName(b.mesh, b.index), weight: (b.weight ?? 100) / 100 }));
    }
    return { version: 0, binds };
  }
  return { version: undefined, binds };
}

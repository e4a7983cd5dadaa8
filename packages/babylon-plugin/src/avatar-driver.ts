import type { Behavior } from '@babylonjs/core/Behaviors/behavior.js';
import { Quaternion } from '@babylonjs/core/Maths/math.vector.js';
import type { AbstractMesh } from '@babylonjs/core/Meshes/abstractMesh.js';
import type { TransformNode } from '@babylonjs/core/Meshes/transformNode.js';
import type { MorphTarget } from '@babylonjs/core/Morph/morphTarget.js';
import type { Observer } from '@babylonjs/core/Misc/observable.js';
import type { Scene } from '@babylonjs/core/scene.js';
import type { PrnetImageInput } from '@prnet/core';
import { createExpressionMapper, DEFAULT_EXPRESSIONS, type ExpressionMapper, type ExpressionMapping } from './expression-mapping.js';
import type { FaceFrame } from './face-solver.js';
import type { FaceTracker } from './face-tracker.js';

/** Where a morph target's weight comes from, found once at attach time. */
export interface MorphBinding {
  readonly target: MorphTarget;
  readonly kind: 'arkit' | 'expression';
  /** Index into the 52 ARKit weights, or into the mapping's expressions. */
  readonly index: number;
  /** Multiplier (VRM binds carry one; 1 otherwise). */
  readonly weight: number;
}

/** Extra bindings by morph target name (e.g. from `readVrmExpressions`): expression → [target name, weight]. */
export type ExpressionBinds = Readonly<Record<string, readonly { readonly targetName: string; readonly weight: number }[]>>;

export interface AvatarDriverConfig {
  /** The tracker whose frames drive the avatar. Not disposed by the behaviour. */
  tracker: FaceTracker;
  /**
   * What to feed the tracker each rendered frame (usually the webcam's `<video>`). When absent the
   * app calls `tracker.update()` itself (e.g. when several behaviours share one tracker).
   */
  input?: PrnetImageInput | (() => PrnetImageInput | undefined);
  /** Expression mapping (VRM presets, custom names). Default `DEFAULT_EXPRESSIONS` (VRM 0 + 1). */
  mapping?: ExpressionMapping;
  /** Extra bindings of mapping expressions to morph targets by name (VRM files: see `readVrmExpressions`). */
  expressionBinds?: ExpressionBinds;
  /** The head node, or a pattern for its name. Default /(^|[^a-z])head$/i (Head, J_Bip_C_Head, mixamorig:Head). */
  head?: TransformNode | RegExp | null;
  /** The neck node, or a pattern for its name. Default /neck$/i. */
  neck?: TransformNode | RegExp | null;
  /** Share of the head rotation given to the neck, 0..1. Default 0.3. */
  neckShare?: number;
}

export const AVATAR_DRIVER_DEFAULTS = { head: /(^|[^a-z])head$/i, neck: /neck$/i, neckShare: 0.3 } as const;

/**
 * A Babylon `Behavior` that drives an avatar (a `TransformNode`, e.g. a loaded glTF/VRM root or
 * a built mesh) from a `FaceTracker`: head and neck rotation from the head pose, and the morph
 * targets of every mesh below the node from the ARKit weights — by ARKit / Perfect Sync name, or
 * through the expression mapping (VRM presets). Before each render it feeds `input` to the tracker
 * (which skips frames while busy) and applies the latest frame. No allocation per frame.
 *
 * Head rotation is applied in world space on top of the rest pose, for an avatar facing the
 * camera (set `tracker.solver.facing` for +z-facing models).
 */
export class AvatarDriverBehavior implements Behavior<TransformNode> {
  readonly name = 'PrnetAvatarDriver';
  /** Apply head/neck rotation. */
  applyHeadRotation = true;
  /** Apply morph target weights. */
  applyExpressions = true;
  /** Share of the rotation given to the neck (0..1). */
  neckShare: number;
  private readonly tracker: FaceTracker;
  private readonly mapper: ExpressionMapper;
  private readonly expressionValues: Float32Array;
  private target: TransformNode | null = null;
  private scene: Scene | null = null;
  private observer: Observer<Scene> | null = null;
  private bindings: MorphBinding[] = [];
  private headNode: TransformNode | null = null;
  private neckNode: TransformNode | null = null;
  private readonly headRest = new Quaternion();
  private readonly neckRest = new Quaternion();
  private readonly headRestWorld = new Quaternion();
  private readonly neckRestWorld = new Quaternion();
  private readonly delta = new Quaternion();
  private readonly partial = new Quaternion();
  private readonly parentWorld = new Quaternion();
  private readonly world = new Quaternion();
  private readonly identity = Quaternion.Identity();
  private lastApplied: FaceFrame | undefined;
  private lastTimestamp = Number.NaN;
  private disposed = false;

  constructor(private readonly config: AvatarDriverConfig) {
    this.tracker = config.tracker;
    this.mapper = createExpressionMapper(config.mapping ?? DEFAULT_EXPRESSIONS);
    this.expressionValues = new Float32Array(this.mapper.names.length);
    this.neckShare = config.neckShare ?? AVATAR_DRIVER_DEFAULTS.neckShare;
  }

  /** The node this behaviour is attached to. */
  get attachedNode(): TransformNode | null {
    return this.target;
  }

  /** The morph targets found at attach time and what drives each. */
  get morphBindings(): readonly MorphBinding[] {
    return this.bindings;
  }

  /** The head and neck nodes found at attach time (null when none). */
  get head(): TransformNode | null {
    return this.headNode;
  }
  get neck(): TransformNode | null {
    return this.neckNode;
  }

  init(): void {}

  attach(target: TransformNode): void {
    if (this.target) this.detach();
    this.target = target;
    this.scene = target.getScene();
    this.bindings = this.bindMorphTargets(target);
    this.headNode = this.findNode(target, this.config.head, AVATAR_DRIVER_DEFAULTS.head);
    this.neckNode = this.findNode(target, this.config.neck, AVATAR_DRIVER_DEFAULTS.neck);
    if (this.neckNode === this.headNode) this.neckNode = null;
    target.computeWorldMatrix(true);
    this.captureRest(this.headNode, this.headRest, this.headRestWorld);
    this.captureRest(this.neckNode, this.neckRest, this.neckRestWorld);
    this.observer = this.scene.onBeforeRenderObservable.add(() => this.onBeforeRender());
  }

  detach(): void {
    if (this.observer) this.scene?.onBeforeRenderObservable.remove(this.observer);
    this.observer = null;
    // Back to the rest pose and a neutral face.
    if (this.headNode?.rotationQuaternion) this.headNode.rotationQuaternion.copyFrom(this.headRest);
    if (this.neckNode?.rotationQuaternion) this.neckNode.rotationQuaternion.copyFrom(this.neckRest);
    for (const b of this.bindings) b.target.influence = 0;
    this.bindings = [];
    this.headNode = null;
    this.neckNode = null;
    this.target = null;
    this.scene = null;
    this.lastApplied = undefined;
  }

  /** Detaches (from its target, if attached). Safe twice. The tracker stays the caller's. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.target) this.target.removeBehavior(this);
    this.detach();
  }

  /** Applies a frame now (called before each render with the tracker's latest). */
  apply(frame: FaceFrame): void {
    if (this.applyHeadRotation && this.headNode) {
      const [x, y, z, w] = frame.headRotation;
      this.delta.set(x, y, z, w);
      if (this.neckNode && this.neckShare > 0) {
        Quaternion.SlerpToRef(this.identity, this.delta, this.neckShare, this.partial);
        this.setWorldDelta(this.neckNode, this.partial, this.neckRestWorld);
      }
      this.setWorldDelta(this.headNode, this.delta, this.headRestWorld);
    }
    if (this.applyExpressions && this.bindings.length > 0) {
      const arkit = frame.blendshapes;
      this.mapper.evaluate(arkit, this.expressionValues);
      for (let i = 0; i < this.bindings.length; i++) {
        const b = this.bindings[i];
        const value = b.kind === 'arkit' ? arkit[b.index] : this.expressionValues[b.index];
        b.target.influence = value * b.weight;
      }
    }
    this.lastApplied = frame;
    this.lastTimestamp = frame.timestamp;
  }

  private onBeforeRender(): void {
    const input = typeof this.config.input === 'function' ? this.config.input() : this.config.input;
    if (input) this.tracker.update(input);
    const frame = this.tracker.latest;
    if (frame && (frame !== this.lastApplied || frame.timestamp !== this.lastTimestamp)) this.apply(frame);
  }

  /** node's world rotation := delta ⊗ restWorld, written as a local rotation under its parent. */
  private setWorldDelta(node: TransformNode, delta: Quaternion, restWorld: Quaternion): void {
    delta.multiplyToRef(restWorld, this.world);
    const parent = node.parent as TransformNode | null;
    if (parent && typeof parent.computeWorldMatrix === 'function') {
      parent.computeWorldMatrix(true).decompose(undefined, this.parentWorld);
      Quaternion.InverseToRef(this.parentWorld, this.parentWorld);
      this.parentWorld.multiplyToRef(this.world, this.world);
    }
    node.rotationQuaternion ??= new Quaternion();
    node.rotationQuaternion.copyFrom(this.world);
  }

  private captureRest(node: TransformNode | null, local: Quaternion, world: Quaternion): void {
    if (!node) return;
    node.rotationQuaternion ??= Quaternion.FromEulerVector(node.rotation);
    local.copyFrom(node.rotationQuaternion);
    node.computeWorldMatrix(true).decompose(undefined, world);
  }

  private findNode(root: TransformNode, given: TransformNode | RegExp | null | undefined, fallback: RegExp): TransformNode | null {
    if (given === null) return null;
    if (given && !(given instanceof RegExp)) return given;
    const pattern = given ?? fallback;
    if (pattern.test(root.name)) return root;
    const found = root.getDescendants(false, (n) => pattern.test(n.name) && 'rotationQuaternion' in n);
    return (found[0] as TransformNode | undefined) ?? null;
  }

  private bindMorphTargets(root: TransformNode): MorphBinding[] {
    const meshes: AbstractMesh[] = root.getChildMeshes(false);
    if ('morphTargetManager' in root) meshes.unshift(root as unknown as AbstractMesh);
    const out: MorphBinding[] = [];
    const seen = new Set<MorphTarget>();
    const extra = this.config.expressionBinds ?? {};
    for (const mesh of meshes) {
      const manager = mesh.morphTargetManager;
      if (!manager) continue;
      for (let i = 0; i < manager.numTargets; i++) {
        const target = manager.getTarget(i);
        if (seen.has(target)) continue;
        const source = this.mapper.resolve(target.name);
        if (source) {
          seen.add(target);
          out.push({ target, kind: source.kind, index: source.index, weight: 1 });
        }
      }
      // VRM-style binds: an expression drives named targets with a weight.
      for (const [expression, binds] of Object.entries(extra)) {
        const source = this.mapper.resolve(expression);
        if (!source) continue;
        for (const bind of binds) {
          for (let i = 0; i < manager.numTargets; i++) {
            const target = manager.getTarget(i);
            if (target.name !== bind.targetName || seen.has(target)) continue;
            seen.add(target);
            out.push({ target, kind: source.kind, index: source.index, weight: bind.weight });
          }
        }
      }
    }
    return out;
  }
}

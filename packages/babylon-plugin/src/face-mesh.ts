import { VertexBuffer } from '@babylonjs/core/Buffers/buffer.js';
import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial.js';
import { VideoTexture } from '@babylonjs/core/Materials/Textures/videoTexture.js';
import { Color3 } from '@babylonjs/core/Maths/math.color.js';
import { Mesh } from '@babylonjs/core/Meshes/mesh.js';
import { VertexData } from '@babylonjs/core/Meshes/mesh.vertexData.js';
import type { Observer } from '@babylonjs/core/Misc/observable.js';
import type { Scene } from '@babylonjs/core/scene.js';
import type { FaceReconstruction, UvLayout } from '@prnet/core';
import type { FaceFrame } from './face-solver.js';
import type { FaceTracker } from './face-tracker.js';

export interface FaceMeshConfig {
  /** The layout of the reconstructions (`prnet.layout`): vertex count and triangles. */
  layout: UvLayout;
  /** Texture the mesh with this video's frame ("3D selfie"); else a plain lit material. */
  video?: HTMLVideoElement;
  /** Height of the shown face in world units (it is centred and scaled to this). Default 2. */
  size?: number;
  /** Mirror the mesh like a selfie preview. Default true. */
  mirror?: boolean;
  /** Mesh name. Default 'prnetFace'. */
  name?: string;
}

/**
 * The dense reconstructed face as a Babylon mesh, updated in place (one preallocated vertex,
 * normal and UV array; `updateVerticesData` each frame). Textured, each vertex samples the webcam
 * frame where it was reconstructed. `attachTo(tracker)` follows a tracker's frames.
 */
export class FaceMeshDisplay {
  readonly mesh: Mesh;
  readonly material: StandardMaterial;
  /** Mirror (see config). */
  mirror: boolean;
  /** Height in world units. */
  size: number;
  private readonly positions: Float32Array;
  private readonly normals: Float32Array;
  private readonly uvs: Float32Array;
  private readonly indices: Uint32Array;
  private texture: VideoTexture | null = null;
  private observer: Observer<FaceFrame> | null = null;
  private tracker: FaceTracker | null = null;
  private disposed = false;

  constructor(
    readonly scene: Scene,
    config: FaceMeshConfig,
  ) {
    const n = config.layout.vertexPixels.length;
    this.mirror = config.mirror ?? true;
    this.size = config.size ?? 2;
    this.positions = new Float32Array(n * 3);
    this.normals = new Float32Array(n * 3);
    this.uvs = new Float32Array(n * 2);
    this.indices = Uint32Array.from(config.layout.triangles);
    this.mesh = new Mesh(config.name ?? 'prnetFace', scene);
    const data = new VertexData();
    data.positions = this.positions;
    data.normals = this.normals;
    data.uvs = this.uvs;
    data.indices = this.indices;
    data.applyToMesh(this.mesh, true);
    this.mesh.isVisible = false;
    this.mesh.alwaysSelectAsActiveMesh = true;
    this.material = new StandardMaterial(`${this.mesh.name}Material`, scene);
    this.material.backFaceCulling = false;
    this.material.specularColor = new Color3(0.1, 0.1, 0.1);
    this.mesh.material = this.material;
    if (config.video) this.setVideo(config.video);
  }

  /** Textures the mesh with a video (or removes the texture with undefined). */
  setVideo(video: HTMLVideoElement | undefined): void {
    this.texture?.dispose();
    this.texture = null;
    this.material.diffuseTexture = null;
    this.material.emissiveTexture = null;
    this.material.disableLighting = false;
    this.material.diffuseColor = new Color3(0.85, 0.72, 0.62);
    if (!video) return;
    this.texture = new VideoTexture(`${this.mesh.name}Video`, video, this.scene, false, true);
    this.material.emissiveTexture = this.texture;
    this.material.disableLighting = true;
  }

  /** Follows a tracker: every frame updates the mesh; it hides when the face is lost. */
  attachTo(tracker: FaceTracker): void {
    this.detach();
    this.tracker = tracker;
    this.observer = tracker.onFrameObservable.add((frame) => {
      if (frame.face) this.update(frame.face);
    });
    tracker.onLostObservable.add(this.hide);
  }

  detach(): void {
    if (this.tracker) {
      if (this.observer) this.tracker.onFrameObservable.remove(this.observer);
      this.tracker.onLostObservable.removeCallback(this.hide);
    }
    this.observer = null;
    this.tracker = null;
  }

  private readonly hide = (): void => {
    this.mesh.isVisible = false;
  };

  /**
   * Writes a reconstruction into the mesh. @param imageWidth, imageHeight the size of the
   * image it came from (for the texture coordinates; default: the video's size).
   */
  update(face: FaceReconstruction, imageWidth?: number, imageHeight?: number): void {
    const v = face.vertices;
    const [x0, y0, x1, y1] = face.box;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const k = this.size / Math.max(1e-6, (y1 - y0) * 1.3);
    const sx = this.mirror ? -k : k;
    let zMean = 0;
    for (let i = 2; i < v.length; i += 3) zMean += v[i];
    zMean /= Math.max(1, v.length / 3);
    const video = this.texture?.video;
    const W = imageWidth ?? video?.videoWidth ?? 1;
    const H = imageHeight ?? video?.videoHeight ?? 1;
    const p = this.positions;
    const uv = this.uvs;
    for (let i = 0, j = 0; i < v.length; i += 3, j += 2) {
      // Image frame (x right, y down, z towards the viewer) → Babylon (x right, y up, z away).
      p[i] = (v[i] - cx) * sx;
      p[i + 1] = -(v[i + 1] - cy) * k;
      p[i + 2] = -(v[i + 2] - zMean) * k;
      // The video texture is created with invertY, so v runs down the image like y.
      uv[j] = v[i] / W;
      uv[j + 1] = v[i + 1] / H;
    }
    VertexData.ComputeNormals(p, this.indices, this.normals);
    this.mesh.updateVerticesData(VertexBuffer.PositionKind, p, false, false);
    this.mesh.updateVerticesData(VertexBuffer.NormalKind, this.normals, false, false);
    this.mesh.updateVerticesData(VertexBuffer.UVKind, uv, false, false);
    this.mesh.refreshBoundingInfo();
    this.mesh.isVisible = true;
  }

  /** Removes the mesh, material, texture and observers. Safe twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.detach();
    this.texture?.dispose();
    this.texture = null;
    this.material.dispose();
    this.mesh.dispose();
  }
}

import { Color3 } from '@babylonjs/core/Maths/math.color.js';
import { Vector3 } from '@babylonjs/core/Maths/math.vector.js';
import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial.js';
import { CreateSphere } from '@babylonjs/core/Meshes/Builders/sphereBuilder.js';
import { CreateTorus } from '@babylonjs/core/Meshes/Builders/torusBuilder.js';
import { CreateBox } from '@babylonjs/core/Meshes/Builders/boxBuilder.js';
import { CreateCylinder } from '@babylonjs/core/Meshes/Builders/cylinderBuilder.js';
import type { Mesh } from '@babylonjs/core/Meshes/mesh.js';
import { TransformNode } from '@babylonjs/core/Meshes/transformNode.js';
import { MorphTarget } from '@babylonjs/core/Morph/morphTarget.js';
import { MorphTargetManager } from '@babylonjs/core/Morph/morphTargetManager.js';
import type { Scene } from '@babylonjs/core/scene.js';

/** A displacement of a mesh's rest positions (x, y, z in the mesh's local frame). */
type Deform = (p: Vector3, out: Vector3) => void;

function material(scene: Scene, name: string, color: Color3, specular = 0.15): StandardMaterial {
  const m = new StandardMaterial(name, scene);
  m.diffuseColor = color;
  m.specularColor = new Color3(specular, specular, specular);
  return m;
}

/** Adds ARKit-named morph targets to a mesh, each a displacement of its rest positions. */
function addTargets(mesh: Mesh, scene: Scene, targets: Record<string, Deform>): void {
  const rest = mesh.getVerticesData('position')!;
  const normals = mesh.getVerticesData('normal')!;
  const manager = mesh.morphTargetManager ?? new MorphTargetManager(scene);
  const p = new Vector3();
  const q = new Vector3();
  for (const [name, deform] of Object.entries(targets)) {
    const positions = new Float32Array(rest.length);
    for (let i = 0; i < rest.length; i += 3) {
      p.set(rest[i], rest[i + 1], rest[i + 2]);
      q.copyFrom(p);
      deform(p, q);
      positions[i] = q.x;
      positions[i + 1] = q.y;
      positions[i + 2] = q.z;
    }
    const target = new MorphTarget(name, 0, scene);
    target.setPositions(positions);
    target.setNormals(normals);
    manager.addTarget(target);
  }
  mesh.morphTargetManager = manager;
}

const smooth = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/**
 * The playground's default avatar, built in code (no downloaded assets): a stylised head whose
 * meshes carry ARKit-named morph targets (eyeBlink/eyeWide/eyeSquint, jawOpen, mouthSmile/Frown/
 * Pucker/Funnel/Left/Right, brows, cheekPuff), under `neck` and `head` nodes. It faces −z (the
 * default camera looks at it from −z). The avatar's own left side is at +x.
 */
export function createDefaultAvatar(scene: Scene): TransformNode {
  const root = new TransformNode('defaultAvatar', scene);
  const neck = new TransformNode('neck', scene);
  neck.parent = root;
  neck.position.set(0, -1.1, 0);
  const head = new TransformNode('head', scene);
  head.parent = neck;
  head.position.set(0, 1.1, 0);

  const skin = material(scene, 'skin', new Color3(0.93, 0.74, 0.62));
  const dark = material(scene, 'mouthInside', new Color3(0.25, 0.05, 0.08), 0);
  const white = material(scene, 'eyeWhite', new Color3(0.97, 0.97, 0.97), 0.4);
  const iris = material(scene, 'iris', new Color3(0.18, 0.32, 0.55), 0.6);
  const lipColor = material(scene, 'lips', new Color3(0.78, 0.33, 0.36), 0.3);
  const browColor = material(scene, 'brows', new Color3(0.3, 0.2, 0.14), 0);
  const hair = material(scene, 'hair', new Color3(0.28, 0.18, 0.12), 0.05);

  const neckMesh = CreateCylinder('neckMesh', { height: 1, diameter: 0.7 }, scene);
  neckMesh.parent = neck;
  neckMesh.position.set(0, -0.3, 0.1);
  neckMesh.material = skin;

  // Skull: a stretched sphere with a cheek-puff target.
  const skull = CreateSphere('skull', { diameter: 2, segments: 32 }, scene);
  skull.parent = head;
  skull.scaling.set(0.85, 1.05, 0.9);
  skull.material = skin;
  addTargets(skull, scene, {
    cheekPuff: (p, o) => {
      const w = smooth(0.45, 0.1, Math.hypot(Math.abs(p.x) - 0.5, p.y + 0.35)) * smooth(-0.2, -0.7, p.z);
      o.x += Math.sign(p.x) * 0.16 * w;
      o.z -= 0.05 * w;
    },
    jawOpen: (p, o) => {
      const w = smooth(-0.3, -0.75, p.y) * smooth(0.2, -0.6, p.z);
      o.y -= 0.35 * w;
      o.z += 0.05 * w;
    },
  });

  const hairCap = CreateSphere('hair', { diameter: 2.08, segments: 24, slice: 0.5 }, scene);
  hairCap.parent = head;
  hairCap.scaling.set(0.87, 1.07, 0.92);
  hairCap.position.set(0, 0.5, 0.18);
  hairCap.material = hair;

  const nose = CreateSphere('nose', { diameter: 0.26, segments: 12 }, scene);
  nose.parent = head;
  nose.position.set(0, -0.08, -0.93);
  nose.scaling.set(0.8, 1.1, 1);
  nose.material = skin;

  for (const side of [1, -1] as const) {
    const label = side === 1 ? 'Left' : 'Right'; // the avatar's own left is at +x
    const eye = new TransformNode(`eye${label}`, scene);
    eye.parent = head;
    eye.position.set(0.3 * side, 0.15, -0.74);
    const ball = CreateSphere(`eyeBall${label}`, { diameter: 0.34, segments: 16 }, scene);
    ball.parent = eye;
    ball.material = white;
    const pupil = CreateSphere(`iris${label}`, { diameter: 0.16, segments: 12 }, scene);
    pupil.parent = eye;
    pupil.position.set(0, 0, -0.13);
    pupil.scaling.z = 0.5;
    pupil.material = iris;
    // Upper lid: the upper half of a slightly larger sphere, rotated down to blink.
    const lid = CreateSphere(`upperLid${label}`, { diameter: 0.37, segments: 16, slice: 0.5 }, scene);
    lid.parent = eye;
    lid.rotation.x = Math.PI / 2 - 0.25; // open: folded back over the top of the eye
    lid.material = skin;
    const rotateAboutX = (angle: number) => (p: Vector3, o: Vector3) => {
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      o.y = p.y * c - p.z * s;
      o.z = p.y * s + p.z * c;
    };
    addTargets(lid, scene, {
      [`eyeBlink${label}`]: rotateAboutX(-2.1),
      [`eyeWide${label}`]: rotateAboutX(0.35),
      [`eyeSquint${label}`]: rotateAboutX(-0.8),
    });
    const brow = CreateBox(`brow${label}`, { width: 0.36, height: 0.06, depth: 0.08 }, scene);
    brow.parent = head;
    brow.position.set(0.31 * side, 0.36, -0.82);
    brow.rotation.z = -0.08 * side;
    brow.material = browColor;
    addTargets(brow, scene, {
      [`browDown${label}`]: (p, o) => {
        o.y -= 0.1;
      },
      [`browOuterUp${label}`]: (p, o) => {
        o.y += 0.14 * smooth(-0.05, 0.18, p.x * side);
      },
      ...(side === 1
        ? {
            browInnerUp: (p: Vector3, o: Vector3) => {
              o.y += 0.14 * smooth(0.05, -0.18, p.x);
            },
          }
        : {}),
    });
    // The right brow also follows browInnerUp.
    if (side === -1) {
      addTargets(brow, scene, { browInnerUp: (p, o) => void (o.y += 0.14 * smooth(0.05, -0.18, -p.x)) });
    }
  }

  // Mouth: lips (a flattened torus) and a dark inside, both with the mouth targets.
  const mouth = new TransformNode('mouth', scene);
  mouth.parent = head;
  mouth.position.set(0, -0.45, -0.82);
  mouth.rotation.x = -Math.PI / 2;
  const lips = CreateTorus('lips', { diameter: 0.42, thickness: 0.07, tessellation: 48 }, scene);
  lips.parent = mouth;
  lips.scaling.set(1, 1, 0.25);
  lips.material = lipColor;
  const inside = CreateCylinder('mouthInside', { diameter: 0.42, height: 0.01, tessellation: 48 }, scene);
  inside.parent = mouth;
  inside.scaling.set(1, 1, 0.25);
  inside.material = dark;
  // Mouth local frame (the node is turned −90° about x): x = the avatar's left, z = up on the
  // face, y = towards the camera. The meshes are squashed in z (scaling 0.25), so z moves are ×4.
  const mouthTargets: Record<string, Deform> = {
    jawOpen: (p, o) => {
      o.z -= 0.7 * smooth(0.02, -0.12, p.z);
    },
    mouthSmileLeft: (p, o) => {
      const w = smooth(0.05, 0.21, p.x);
      o.z += 0.45 * w;
      o.x += 0.05 * w;
    },
    mouthSmileRight: (p, o) => {
      const w = smooth(-0.05, -0.21, p.x);
      o.z += 0.45 * w;
      o.x -= 0.05 * w;
    },
    mouthFrownLeft: (p, o) => void (o.z -= 0.4 * smooth(0.05, 0.21, p.x)),
    mouthFrownRight: (p, o) => void (o.z -= 0.4 * smooth(-0.05, -0.21, p.x)),
    mouthPucker: (p, o) => {
      o.x *= 0.5;
      o.y += 0.08;
    },
    mouthFunnel: (p, o) => {
      o.x *= 0.65;
      o.z *= 2.2;
      o.y += 0.06;
    },
    mouthLeft: (p, o) => void (o.x += 0.1),
    mouthRight: (p, o) => void (o.x -= 0.1),
  };
  addTargets(lips, scene, mouthTargets);
  addTargets(inside, scene, mouthTargets);
  return root;
}

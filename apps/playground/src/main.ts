import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Engine } from '@babylonjs/core/Engines/engine.js';
import { Scene } from '@babylonjs/core/scene.js';
import { ArcRotateCamera } from '@babylonjs/core/Cameras/arcRotateCamera.js';
import { HemisphericLight } from '@babylonjs/core/Lights/hemisphericLight.js';
import { DirectionalLight } from '@babylonjs/core/Lights/directionalLight.js';
import { Color4 } from '@babylonjs/core/Maths/math.color.js';
import { Quaternion, Vector3 } from '@babylonjs/core/Maths/math.vector.js';
import type { TransformNode } from '@babylonjs/core/Meshes/transformNode.js';
import { createBlazeFaceDetector, createIrisLandmarker, createPrnet, type Prnet } from '@prnet/core';
import {
  ARKIT_BLENDSHAPES,
  AvatarDriverBehavior,
  createBlendshapeEstimator,
  createFaceTracker,
  createWebcamSource,
  FaceMeshDisplay,
  loadBlendshapeBasis,
  readGlbJson,
  readVrmExpressions,
  type ExpressionBinds,
  type FaceFrame,
  type FaceTracker,
} from '@prnet/babylon-plugin';
import { createDefaultAvatar } from './default-avatar.js';
import { drawLandmarks } from './overlay.js';
import { readClipCode } from './clip-code.js';

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusEl = $<HTMLParagraphElement>('status');

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  statusEl.textContent = text;
  statusEl.dataset.kind = kind;
}

/** One tracked frame, as the browser test reads it (`?test=1`). */
interface FrameRecord {
  /** The clip frame the step saw (test clips only), else −1 or noise. */
  clipFrame: number;
  yaw: number;
  pitch: number;
  avatarYaw: number;
  /** Degrees between the head's forward direction and the tracker's rotation applied to its rest direction. */
  headErrorDeg: number;
  calibrated: boolean;
  jawOpen: number;
  eyeBlinkLeft: number;
  eyeBlinkRight: number;
  latencyMs: number;
  tensors: number;
  tensorBytes: number;
  heap: number;
}

const testState = {
  status: 'starting' as 'starting' | 'running' | 'error',
  error: undefined as string | undefined,
  errorCode: undefined as string | undefined,
  backend: '',
  trained: false,
  frames: [] as FrameRecord[],
};
(window as unknown as { __playground: typeof testState }).__playground = testState;

const canvas = $<HTMLCanvasElement>('scene');
const engine = new Engine(canvas, true, { preserveDrawingBuffer: params.has('test'), stencil: false });
// `?scale=N` renders at 1/N resolution (the browser test uses it: software WebGL shares the CPU with tfjs).
engine.setHardwareScalingLevel(Math.max(1, Number(params.get('scale') ?? 1)));
const scene = new Scene(engine);
scene.clearColor = new Color4(0.15, 0.16, 0.2, 1);
const camera = new ArcRotateCamera('camera', -Math.PI / 2, Math.PI / 2, 6, new Vector3(0, 0, 0), scene);
camera.attachControl(canvas, true);
camera.wheelPrecision = 40;
new HemisphericLight('sky', new Vector3(0, 1, -0.3), scene).intensity = 0.7;
new DirectionalLight('key', new Vector3(-0.4, -0.5, 1), scene).intensity = 0.6;
let avatar: TransformNode = createDefaultAvatar(scene);
// `?expr=jawOpen:0.8,eyeBlinkLeft:1` poses the default avatar's morph targets (to look at them without a camera).
for (const item of (params.get('expr') ?? '').split(',').filter(Boolean)) {
  const [name, value] = item.split(':');
  for (const mesh of avatar.getChildMeshes()) {
    const target = mesh.morphTargetManager?.getTargetByName(name);
    if (target) target.influence = Number(value);
  }
}
engine.runRenderLoop(() => scene.render());
addEventListener('resize', () => engine.resize());

const video = $<HTMLVideoElement>('video');
const webcam = createWebcamSource({ video, width: 640, height: 480 });
webcam.onStateChangedObservable.add((state) => {
  if (state === 'error' && webcam.error) {
    setStatus(webcam.error.message, 'error');
    testState.status = 'error';
    testState.error = webcam.error.message;
    testState.errorCode = webcam.error.code;
  } else if (state === 'starting') {
    setStatus('Waiting for the camera…');
  }
});

async function main(): Promise<void> {
  try {
    await webcam.start();
  } catch {
    return; // the state observer shows the message
  }
  setStatus('Loading the models…');
  // `?backend=webgl` (default), `wasm` or `cpu`.
  const backend = params.get('backend') ?? 'webgl';
  if (backend === 'wasm') setWasmPaths(new URL('tfjs-wasm/', location.href).href);
  if (!(await tf.setBackend(backend))) throw new Error(`the tfjs ${backend} backend is not available`);
  await tf.ready();
  testState.backend = tf.getBackend();
  const prnet: Prnet = await createPrnet({
    model: 'models/default/model.json',
    layout: 'uv-layout-128.bin',
    detector: () => createBlazeFaceDetector({ model: 'blazeface/blazeface.json' }),
  });
  testState.trained = prnet.metadata.trained;
  const basis = await loadBlendshapeBasis('arkit-basis-128.bin');
  // Eyes (blink, wide, gaze) from MediaPipe's iris model; `?noiris` leaves them to the mesh fit.
  const irisLandmarker = params.has('noiris') ? undefined : await createIrisLandmarker({ model: 'iris/iris.json' });
  const tracker = createFaceTracker({
    prnet,
    estimator: createBlendshapeEstimator(basis, prnet.layout),
    irisLandmarker,
    solver: { mirror: true },
  });
  const faceMesh = new FaceMeshDisplay(scene, { layout: prnet.layout, video, size: 1.8 });
  faceMesh.mesh.position.set(2.1, 0.2, 0);
  faceMesh.mesh.setEnabled(false);
  if (!params.has('nomesh')) faceMesh.attachTo(tracker);
  let driver = attachDriver(avatar, tracker, {});
  setupControls(tracker, faceMesh, () => driver);
  setupDrop(tracker, (root, binds) => {
    driver.dispose();
    avatar.dispose(false, true);
    avatar = root;
    driver = attachDriver(root, tracker, binds);
  });
  if (!prnet.metadata.trained) {
    setStatus('Tracking. Note: the shipped model is untrained (it outputs the mean face), so the avatar barely moves yet.');
  } else {
    setStatus('Tracking.');
  }
  testState.status = 'running';

  // The tracking loop: one step at a time, before rendering; frames that arrive while a step runs are skipped.
  const overlay = $<HTMLCanvasElement>('overlay');
  const testing = params.has('test');
  let clipFrame = -1;
  scene.onBeforeRenderObservable.add(() => {
    if (webcam.state !== 'running') return;
    if (tracker.update(video) && testing && !params.has('nocode')) clipFrame = readClipCode(video);
  });
  // `?calibrateAt=N` (test clips): calibrate on clip frame N, as a user presses "Calibrate".
  const calibrateAt = params.has('calibrateAt') ? Number(params.get('calibrateAt')) : -1;
  tracker.onFrameObservable.add((frame) => {
    if (!params.has('nooverlay')) drawLandmarks(overlay, video, frame);
    if (testing) {
      if (calibrateAt >= 0 && !tracker.solver.calibrated && clipFrame === calibrateAt) tracker.calibrate();
      driver.apply(frame); // what the next render would do, so the record sees this frame on the avatar
      testState.frames.push(record(frame, clipFrame));
    }
  });
  tracker.onLostObservable.add(() => drawLandmarks(overlay, video, undefined));
  tracker.onErrorObservable.add((error) => setStatus(`Tracking error: ${error.message}`, 'error'));
  setInterval(() => showStats(tracker), 500);

  function record(frame: FaceFrame, code: number): FrameRecord {
    const head = driver.head;
    let avatarYaw = Number.NaN;
    let headErrorDeg = Number.NaN;
    if (head) {
      const q = new Quaternion();
      head.computeWorldMatrix(true).decompose(undefined, q);
      const f = new Vector3(0, 0, -1).rotateByQuaternionToRef(q, new Vector3());
      // Degrees, the same sign as frame.yaw (> 0 = nose towards screen left, as the avatar is seen).
      avatarYaw = (Math.atan2(-f.x, -f.z) * 180) / Math.PI;
      // The default avatar's head faces −z at rest with no rotation.
      const [x, y, z, w] = frame.headRotation;
      const expected = new Vector3(0, 0, -1).rotateByQuaternionToRef(new Quaternion(x, y, z, w), new Vector3());
      headErrorDeg = (Math.acos(Math.min(1, Math.max(-1, Vector3.Dot(f, expected)))) * 180) / Math.PI;
    }
    const w = (name: string) => frame.blendshapes[ARKIT_BLENDSHAPES.indexOf(name as never)];
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return {
      clipFrame: code,
      yaw: frame.yaw,
      pitch: frame.pitch,
      avatarYaw,
      headErrorDeg,
      calibrated: tracker.solver.calibrated,
      jawOpen: w('jawOpen'),
      eyeBlinkLeft: w('eyeBlinkLeft'),
      eyeBlinkRight: w('eyeBlinkRight'),
      latencyMs: frame.latencyMs,
      tensors: tf.memory().numTensors,
      tensorBytes: tf.memory().numBytes,
      heap: memory?.usedJSHeapSize ?? 0,
    };
  }
}

function attachDriver(root: TransformNode, tracker: FaceTracker, binds: ExpressionBinds): AvatarDriverBehavior {
  const driver = new AvatarDriverBehavior({ tracker, expressionBinds: binds });
  root.addBehavior(driver);
  return driver;
}

function showStats(tracker: FaceTracker): void {
  const s = tracker.stats;
  $('stats').textContent =
    `fps ${s.fps.toFixed(1)} · latency ${s.meanLatencyMs.toFixed(0)} ms · tracked ${s.frames} · skipped ${s.skipped} · ` +
    `detections ${s.detections} · tensors ${tf.memory().numTensors} · ${tf.getBackend()}`;
  const frame = tracker.latest;
  if (!frame) return;
  const top = ARKIT_BLENDSHAPES.map((name, i) => [name, frame.blendshapes[i]] as const)
    .filter(([, v]) => v > 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([n, v]) => `${n} ${v.toFixed(2)}`);
  $('weights').textContent = `yaw ${frame.yaw.toFixed(1)}° pitch ${frame.pitch.toFixed(1)}° roll ${frame.roll.toFixed(1)}°\n${top.join('\n')}`;
}

function setupControls(tracker: FaceTracker, faceMesh: FaceMeshDisplay, driver: () => AvatarDriverBehavior): void {
  const check = (id: string) => $<HTMLInputElement>(id);
  check('smoothing').addEventListener('change', (e) => (tracker.solver.smoothing = (e.target as HTMLInputElement).checked));
  check('mirror').addEventListener('change', (e) => {
    const on = (e.target as HTMLInputElement).checked;
    tracker.solver.mirror = on;
    faceMesh.mirror = on;
    $('preview').classList.toggle('mirrored', on);
  });
  check('mesh').addEventListener('change', (e) => faceMesh.mesh.setEnabled((e.target as HTMLInputElement).checked));
  check('textured').addEventListener('change', (e) => faceMesh.setVideo((e.target as HTMLInputElement).checked ? video : undefined));
  check('flip').addEventListener('change', (e) => (tracker.solver.facing = (e.target as HTMLInputElement).checked ? 'positive-z' : 'negative-z'));
  $('calibrate').addEventListener('click', () => {
    setStatus(tracker.calibrate() ? 'Calibrated on your neutral face.' : 'No face tracked yet: look at the camera and try again.');
    void driver;
  });
  const select = $<HTMLSelectElement>('camera');
  void webcam.listCameras().then((cameras) => {
    select.replaceChildren(...cameras.map((c, i) => new Option(c.label || `Camera ${i + 1}`, c.deviceId)));
  });
  select.addEventListener('change', () => void webcam.setDevice(select.value).catch(() => undefined));
}

function setupDrop(tracker: FaceTracker, replace: (root: TransformNode, binds: ExpressionBinds) => void): void {
  const stage = $('stage');
  stage.addEventListener('dragover', (e) => {
    e.preventDefault();
    stage.classList.add('dragging');
  });
  stage.addEventListener('dragleave', () => stage.classList.remove('dragging'));
  stage.addEventListener('drop', (e) => {
    e.preventDefault();
    stage.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (!file || !/\.(glb|vrm)$/i.test(file.name)) {
      setStatus('Drop a .glb or .vrm file.', 'error');
      return;
    }
    void loadAvatar(file).then(
      ({ root, binds, version }) => {
        replace(root, binds);
        // VRM 0.x models face −z in glTF (towards +z after Babylon's handedness flip); glTF/VRM 1.0 face +z.
        tracker.solver.facing = version === 0 ? 'negative-z' : 'positive-z';
        $<HTMLInputElement>('flip').checked = tracker.solver.facing === 'positive-z';
        setStatus(`Loaded ${file.name}${version !== undefined ? ` (VRM ${version}.x)` : ''}.`);
      },
      (error: Error) => setStatus(`Could not load ${file.name}: ${error.message}`, 'error'),
    );
  });
}

async function loadAvatar(file: File): Promise<{ root: TransformNode; binds: ExpressionBinds; version: 0 | 1 | undefined }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { version, binds } = readVrmExpressions(readGlbJson(bytes));
  await import('@babylonjs/loaders/glTF/2.0/index.js');
  const { LoadAssetContainerAsync } = await import('@babylonjs/core/Loading/sceneLoader.js');
  const container = await LoadAssetContainerAsync(bytes, scene, { pluginExtension: '.glb' });
  container.addAllToScene();
  const root = container.meshes[0] as unknown as TransformNode;
  // Fit the model's head into view: scale so the scene bounds are ~3 units tall.
  const { min, max } = root.getHierarchyBoundingVectors(true);
  const height = Math.max(1e-3, max.y - min.y);
  root.scaling.scaleInPlace(3 / height);
  root.position.y -= ((min.y + max.y) / 2) * (3 / height);
  return { root, binds, version };
}

main().catch((error: Error) => {
  setStatus(`Failed to start: ${error.message}`, 'error');
  testState.status = 'error';
  testState.error = error.message;
});

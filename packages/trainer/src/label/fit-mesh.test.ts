import { rotationFromAngles } from '@prnet/core/geometry';
import { describe, expect, it } from 'vitest';
import { expressionRecord } from '../data/expressions.js';
import { buildIctMesh, findSharedDataDir, loadIctModel, type IctModel } from '../ict/ict-model.js';
import { projectToImage } from '../render/face-renderer.js';
import { createRng } from '../render/procedural.js';
import { createMeshFitter, evaluateMeshPoints, fittedImageVertices, meanVertexPoints, solveBoxedQuadratic, vertexPoints } from './fit-mesh.js';
import { fakeIctModel } from './test-model.js';

/** Image-frame mesh of known coefficients and pose (the renderer's projection). */
function knownFace(model: IctModel, identity: Float32Array, expression: Float32Array) {
  const rotation = rotationFromAngles(12, -25, 8);
  const mesh = buildIctMesh(model, { identity, expression: expressionRecord(expression) });
  return projectToImage(mesh, rotation, 6.5, [96, 104]);
}

function randomCoefficients(model: IctModel, seed: number) {
  const rng = createRng(seed);
  const identity = Float32Array.from({ length: model.identityCount }, () => 2 * rng() - 1);
  const expression = new Float32Array(53);
  for (const e of [0, 5, 17, 30, 44]) expression[e] = 0.2 + 0.6 * rng();
  return { identity, expression };
}

describe('solveBoxedQuadratic', () => {
  it('matches the unconstrained solution inside the box and pins violated bounds', () => {
    const H = Float64Array.from([4, 1, 1, 3]);
    const free = solveBoxedQuadratic(H, Float64Array.from([1, 2]), Float64Array.from([-9, -9]), Float64Array.from([9, 9]), 2);
    expect(free[0]).toBeCloseTo(1 / 11, 12);
    expect(free[1]).toBeCloseTo(7 / 11, 12);
    // x1 ≤ 0.5: then x0 = (1 − 0.5)/4.
    const boxed = solveBoxedQuadratic(H, Float64Array.from([1, 2]), Float64Array.from([-9, -9]), Float64Array.from([9, 0.5]), 2);
    expect(boxed[1]).toBe(0.5);
    expect(boxed[0]).toBeCloseTo(0.125, 12);
  });
});

describe('createMeshFitter (small random model, runs everywhere)', () => {
  const model = fakeIctModel(3);
  const all = Array.from({ length: model.vertexCount }, (_, v) => v);

  it('Umeyama step recovers a known similarity exactly (zero coefficients)', () => {
    const zero = { identity: new Float32Array(model.identityCount), expression: new Float32Array(53) };
    const image = knownFace(model, zero.identity, zero.expression);
    const fitter = createMeshFitter(model, vertexPoints(all), undefined, undefined, { noiseCm: 1e-3 });
    const fit = fitter.fit({ targets3d: image });
    const R = rotationFromAngles(12, -25, 8);
    for (let i = 0; i < 9; i++) expect(fit.similarity.rotation[i]).toBeCloseTo(R[i], 6);
    expect(fit.similarity.scale).toBeCloseTo(6.5, 5);
    expect(fit.rms3d).toBeLessThan(1e-3);
    const back = fittedImageVertices(model, fit);
    for (let i = 0; i < back.length; i++) expect(back[i]).toBeCloseTo(image[i], 2);
  });

  it('recovers known identity and expression weights from a noiseless mesh, with 2D points too', () => {
    const truth = randomCoefficients(model, 5);
    const image = knownFace(model, truth.identity, truth.expression);
    const p2 = meanVertexPoints([[1, 2], [3], [10, 11, 12]]);
    const targets2d = new Float32Array(6);
    const p2image = evaluateMeshPoints(p2, image);
    for (let i = 0; i < 3; i++) [targets2d[i * 2], targets2d[i * 2 + 1]] = [p2image[i * 3], p2image[i * 3 + 1]];
    const fitter = createMeshFitter(model, vertexPoints(all), p2, undefined, { noiseCm: 1e-4, iterations: 8 });
    const fit = fitter.fit({ targets3d: image, targets2d });
    for (let k = 0; k < model.identityCount; k++) expect(fit.identity[k]).toBeCloseTo(truth.identity[k], 3);
    for (let e = 0; e < 53; e++) expect(fit.expression[e]).toBeCloseTo(truth.expression[e], 3);
    expect(fit.rms3d).toBeLessThan(1e-2);
  });
});

const dataDir = findSharedDataDir();
describe.skipIf(!dataDir)('createMeshFitter on the ICT model (needs ../shared/data)', () => {
  it('recovers coefficients from 468 face vertices of a noiseless mesh', () => {
    if (!dataDir) return;
    const model = loadIctModel();
    const rng = createRng(11);
    const picks = Array.from({ length: 468 }, () => Math.floor(rng() * (model.faceVertexEnd + 1)));
    const truth = randomCoefficients(model, 9);
    const image = knownFace(model, truth.identity, truth.expression);
    const targets = evaluateMeshPoints(vertexPoints(picks), image);
    const fitter = createMeshFitter(model, vertexPoints(picks), undefined, undefined, { noiseCm: 1e-3, iterations: 5 });
    const fit = fitter.fit({ targets3d: targets });
    let idErr = 0;
    for (let k = 0; k < model.identityCount; k++) idErr = Math.max(idErr, Math.abs(fit.identity[k] - truth.identity[k]));
    let exErr = 0;
    for (let e = 0; e < 53; e++) exErr = Math.max(exErr, Math.abs(fit.expression[e] - truth.expression[e]));
    const fitted = fittedImageVertices(model, fit);
    let meshErr = 0;
    for (let v = 0; v <= model.faceVertexEnd; v++) {
      meshErr = Math.max(meshErr, Math.hypot(fitted[v * 3] - image[v * 3], fitted[v * 3 + 1] - image[v * 3 + 1], fitted[v * 3 + 2] - image[v * 3 + 2]));
    }
    console.log(`ICT noiseless fit: max |Δidentity| ${idErr.toFixed(4)}, max |Δexpression| ${exErr.toFixed(4)}, max face-vertex error ${meshErr.toFixed(4)} px, rms ${fit.rms3d.toFixed(5)} px`);
    // Measured: 2e-4 (identity), 1e-5 (expression), 1e-4 px (face vertices).
    expect(idErr).toBeLessThan(0.005);
    expect(exErr).toBeLessThan(0.005);
    expect(meshErr).toBeLessThan(0.01);
    expect(fit.rms3d).toBeLessThan(0.01);
  });
});
if (!dataDir) console.warn('fit-mesh.test: ../shared/data not found — the ICT-model fit test is skipped');

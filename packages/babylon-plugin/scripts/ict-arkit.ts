/**
 * How the ICT Face Model's expression shapes map to ARKit blendshapes (used by the basis builder
 * and by the tests that render meshes with known ARKit weights).
 *
 * ICT names its shapes like ARKit with `_L`/`_R` for the subject's sides; ARKit's `browInnerUp`
 * and `cheekPuff` are one shape each where ICT has two halves (summed here). Left out of the fit:
 * `eyeLook*` (gaze moves the eyeballs, which are not part of the reconstructed face surface),
 * ICT's `PupilDilate_*` and `cheekRaiser_*` (no ARKit counterpart); ARKit's `tongueOut` has no
 * ICT shape. Those weights stay 0.
 */
export function ictShapesFor(arkit: string): string[] | undefined {
  if (arkit.startsWith('eyeLook') || arkit === 'tongueOut') return undefined;
  if (arkit === 'browInnerUp' || arkit === 'cheekPuff') return [`${arkit}_L`, `${arkit}_R`];
  if (arkit === 'jawLeft' || arkit === 'jawRight' || arkit === 'mouthLeft' || arkit === 'mouthRight') return [arkit];
  if (arkit.endsWith('Left')) return [`${arkit.slice(0, -4)}_L`];
  if (arkit.endsWith('Right')) return [`${arkit.slice(0, -5)}_R`];
  return [arkit];
}

/** ARKit weights → ICT expression coefficients (for rendering a face with known ARKit weights). */
export function ictExpressionFromArkit(weights: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, w] of Object.entries(weights)) {
    const shapes = ictShapesFor(name);
    if (!shapes) continue;
    for (const s of shapes) out[s] = w;
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { ARKIT_BLENDSHAPES, ARKIT_COUNT, ARKIT_MIRROR, arkitIndex, mirrorBlendshapes } from './arkit.js';
import { createExpressionMapper, normaliseTargetName, VRM0_EXPRESSIONS, VRM1_EXPRESSIONS } from './expression-mapping.js';

describe('ARKit names', () => {
  it('lists the 52 ARKit blendshapes once each', () => {
    expect(ARKIT_COUNT).toBe(52);
    expect(new Set(ARKIT_BLENDSHAPES).size).toBe(52);
  });

  it('mirrors Left/Right pairs and keeps unsided shapes', () => {
    expect(ARKIT_BLENDSHAPES[ARKIT_MIRROR[arkitIndex('eyeBlinkLeft')]]).toBe('eyeBlinkRight');
    expect(ARKIT_BLENDSHAPES[ARKIT_MIRROR[arkitIndex('jawLeft')]]).toBe('jawRight');
    expect(ARKIT_BLENDSHAPES[ARKIT_MIRROR[arkitIndex('mouthRight')]]).toBe('mouthLeft');
    expect(ARKIT_BLENDSHAPES[ARKIT_MIRROR[arkitIndex('jawOpen')]]).toBe('jawOpen');
    const w = new Float32Array(52);
    w[arkitIndex('eyeBlinkLeft')] = 0.9;
    w[arkitIndex('jawOpen')] = 0.4;
    mirrorBlendshapes(w, new Float32Array(52));
    expect(w[arkitIndex('eyeBlinkRight')]).toBeCloseTo(0.9);
    expect(w[arkitIndex('eyeBlinkLeft')]).toBe(0);
    expect(w[arkitIndex('jawOpen')]).toBeCloseTo(0.4);
  });
});

describe('morph target name mapping', () => {
  it('normalises ARKit, Perfect Sync, ICT-style and prefixed names alike', () => {
    const key = normaliseTargetName('eyeBlinkLeft');
    for (const name of ['EyeBlinkLeft', 'eyeBlink_L', 'blendShape1.eyeBlinkLeft', 'Face:eyeBlinkLeft', 'EYEBLINKLEFT']) {
      expect(normaliseTargetName(name), name).toBe(key);
    }
    expect(normaliseTargetName('Blink_L')).toBe(normaliseTargetName('blinkLeft'));
  });

  it('resolves ARKit targets to their weight and VRM presets to expressions', () => {
    const mapper = createExpressionMapper();
    expect(mapper.resolve('JawOpen')).toEqual({ kind: 'arkit', index: arkitIndex('jawOpen') });
    expect(mapper.resolve('mouthSmile_R')).toEqual({ kind: 'arkit', index: arkitIndex('mouthSmileRight') });
    const vrm1 = mapper.resolve('aa');
    const vrm0 = mapper.resolve('A');
    expect(vrm1?.kind).toBe('expression');
    expect(vrm0?.kind).toBe('expression');
    expect(mapper.resolve('Blink_L')).toEqual(mapper.resolve('blinkLeft'));
    expect(mapper.resolve('hairSwing')).toBeUndefined();
  });

  it('evaluates VRM 0 and VRM 1 presets from ARKit weights, clamped to 0..1', () => {
    const mapper = createExpressionMapper();
    const arkit = new Float32Array(52);
    arkit[arkitIndex('jawOpen')] = 0.7;
    arkit[arkitIndex('eyeBlinkLeft')] = 1;
    arkit[arkitIndex('mouthSmileLeft')] = 1;
    arkit[arkitIndex('mouthSmileRight')] = 1;
    const out = mapper.evaluate(arkit, new Float32Array(mapper.names.length));
    const value = (name: string) => out[mapper.names.indexOf(name)];
    expect(value('aa')).toBeCloseTo(0.7);
    expect(value('a')).toBeCloseTo(0.7);
    expect(value('blinkLeft')).toBeCloseTo(1);
    expect(value('blink_l')).toBeCloseTo(1);
    expect(value('blink')).toBeCloseTo(0.5);
    expect(value('happy')).toBeCloseTo(1);
    expect(value('joy')).toBeCloseTo(1);
    expect(Object.keys(VRM0_EXPRESSIONS)).toContain('sorrow');
    expect(Object.keys(VRM1_EXPRESSIONS)).toContain('surprised');
  });

  it('lets users override: their mapping wins over ARKit names', () => {
    const mapper = createExpressionMapper({ jawOpen: { jawOpen: 0.5 }, smile: { mouthSmileLeft: 1, mouthSmileRight: 1 } });
    expect(mapper.resolve('jawOpen')?.kind).toBe('expression');
    const arkit = new Float32Array(52);
    arkit[arkitIndex('jawOpen')] = 1;
    arkit[arkitIndex('mouthSmileLeft')] = 0.8;
    arkit[arkitIndex('mouthSmileRight')] = 0.8;
    const out = mapper.evaluate(arkit, new Float32Array(2));
    expect(out[0]).toBeCloseTo(0.5);
    expect(out[1]).toBe(1);
    expect(() => createExpressionMapper({ x: { notAShape: 1 } as never })).toThrow(/not an ARKit blendshape/);
  });
});

import { describe, expect, it } from 'vitest';
import { buildFitReport, formatFitReport, type QualityRecord } from './fit-report.js';

const rec = (yaw: number, nme: number, teacher: number, kept: boolean, calibration = false): QualityRecord => ({
  aflwIndex: 0,
  image: 'x.jpg',
  yawDegrees: yaw,
  calibration,
  nme,
  nmeTeacherOnly: teacher,
  faceScore: 1,
  teacherRms: 0.01,
  points: 19,
  pose: null,
  kept,
  record: kept ? 0 : -1,
  reason: kept ? undefined : `NME ${(100 * nme).toFixed(1)} % > 8.0 %`,
});

describe('buildFitReport', () => {
  it('bins by |yaw|, separates held-out photos and averages the bins', () => {
    const records = [rec(10, 0.02, 0.03, true), rec(-20, 0.04, 0.05, true), rec(45, 0.06, 0.07, true), rec(-80, 0.1, 0.2, false), rec(5, 0.5, 0.5, false, true)];
    const r = buildFitReport(records, { maxNme: 0.08, minFaceScore: 0.5, useAnnotations: true });
    expect(r.heldOut['[0,30]'].photos).toBe(2);
    expect(r.heldOut['[0,30]'].nmeMean).toBeCloseTo(3, 6);
    expect(r.heldOut['[0,30]'].teacherOnlyMedian).toBeCloseTo(4, 6);
    expect(r.heldOut['(30,60]'].nmeMean).toBeCloseTo(6, 6);
    expect(r.heldOut['>60'].kept).toBe(0);
    expect(r.heldOut['mean of bins'].nmeMean).toBeCloseTo((3 + 6 + 10) / 3, 2);
    expect(r.all['[0,30]'].photos).toBe(3);
    expect(r.dropped).toBe(2);
    expect(r.dropReasons).toEqual({ 'NME > 8.0 %': 2 });
    expect(formatFitReport(r)).toContain('| [0,30] | 2 | 2 |');
  });
});

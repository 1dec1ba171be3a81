import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../../train/loop/schedule';

const base = { learningRate: 0.1, warmupSteps: 0, minLearningRate: 0 };

describe('learningRateAt', () => {
  it('cosine: starts at the peak, is halfway at the middle, ends at the floor', () => {
    const c = { ...base, lrSchedule: 'cosine' as const, minLearningRate: 0.01 };
    expect(learningRateAt(0, 100, c)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(50, 100, c)).toBeCloseTo(0.055, 12);
    expect(learningRateAt(100, 100, c)).toBeCloseTo(0.01, 12);
  });
  it('warm-up rises linearly to the peak', () => {
    const c = { ...base, lrSchedule: 'constant' as const, warmupSteps: 10 };
    expect(learningRateAt(0, 100, c)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(4, 100, c)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(10, 100, c)).toBe(0.1);
  });
  it('step decays ×0.1 at 50 % and ×0.01 at 75 %', () => {
    const c = { ...base, lrSchedule: 'step' as const };
    expect([0, 49, 50, 74, 75, 99].map((s) => learningRateAt(s, 100, c))).toEqual([
      0.1,
      0.1,
      0.1 * 0.1,
      0.1 * 0.1,
      0.1 * 0.01,
      0.1 * 0.01,
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { createRng } from '../../worker/contract/rng';

const draw = (seed: number, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.uniform());
};

describe('createRng', () => {
  it('should give the same stream for the same seed', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
  });

  it('should give unrelated streams for neighbouring seeds', () => {
    const [a, b] = [draw(0, 100), draw(1, 100)];
    expect(a.filter((v, i) => v === b[i])).toEqual([]);
  });

  it('should draw uniform values in [0, 1) with mean ½ and variance 1/12', () => {
    const values = draw(7, 100_000);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 3);
  });

  it('should draw every integer of [0, n) about equally often', () => {
    const rng = createRng(3);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 50_000; i++) counts[rng.int(10)]!++;
    for (const count of counts) expect(Math.abs(count - 5000)).toBeLessThan(300);
  });

  it('should draw normal values with the requested mean and standard deviation', () => {
    const rng = createRng(11);
    const values = Array.from({ length: 50_000 }, () => rng.normal(2, 0.5));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(2, 1);
    expect(std).toBeCloseTo(0.5, 1);
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it('should reject seeds and ranges that are not integers', () => {
    expect(() => createRng(0.5)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: Seed must be an integer, got 0.5]`,
    );
    expect(() => createRng(1).int(0)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: int(n) needs a positive integer, got 0]`,
    );
  });
});

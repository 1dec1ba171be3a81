import { describe, expect, it } from 'vitest';
import { corrupt } from '../../worker/contract/corruptions';
import { createRng } from '../../worker/contract/rng';

const image = Float32Array.from({ length: 784 * 4 }, (_, i) => (i % 7) / 6);

describe('corrupt', () => {
  it.each(['gaussian', 'masking', 'salt-and-pepper'] as const)(
    '%s: seeded, shape-stable, stays in [0, 1]',
    (kind) => {
      const a = corrupt(image, { kind, level: 0.3 }, createRng(5));
      const b = corrupt(image, { kind, level: 0.3 }, createRng(5));
      const c = corrupt(image, { kind, level: 0.3 }, createRng(6));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      expect(a.length).toBe(image.length);
      expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a)).toBeLessThanOrEqual(1);
    },
  );

  it('masking zeroes about p of the pixels and leaves the rest untouched', () => {
    const ones = new Float32Array(20_000).fill(1);
    const out = corrupt(ones, { kind: 'masking', level: 0.25 }, createRng(1));
    const zeros = out.filter((v) => v === 0).length / out.length;
    expect(zeros).toBeGreaterThan(0.23);
    expect(zeros).toBeLessThan(0.27);
    expect(out.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('salt-and-pepper sets about p of the pixels to 0 or 1, half each', () => {
    const half = new Float32Array(20_000).fill(0.5);
    const out = corrupt(half, { kind: 'salt-and-pepper', level: 0.4 }, createRng(2));
    const salt = out.filter((v) => v === 1).length / out.length;
    const pepper = out.filter((v) => v === 0).length / out.length;
    expect(salt + pepper).toBeGreaterThan(0.37);
    expect(salt + pepper).toBeLessThan(0.43);
    expect(Math.abs(salt - pepper)).toBeLessThan(0.03);
  });

  it('gaussian noise has the requested σ away from the clipping bounds', () => {
    const half = new Float32Array(20_000).fill(0.5);
    const out = corrupt(half, { kind: 'gaussian', level: 0.05 }, createRng(3));
    const variance = out.reduce((s, v) => s + (v - 0.5) ** 2, 0) / out.length;
    expect(Math.sqrt(variance)).toBeCloseTo(0.05, 2);
  });

  it('rejects a level out of range', () => {
    expect(() => corrupt(image, { kind: 'masking', level: 1.5 }, createRng(1))).toThrow(
      /out of range for masking/,
    );
    expect(() => corrupt(image, { kind: 'gaussian', level: -0.1 }, createRng(1))).toThrow(/out of range/);
  });
});

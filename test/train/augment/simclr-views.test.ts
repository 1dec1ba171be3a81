import { describe, expect, it } from 'vitest';
import { SIMCLR_VIEWS_28X28, simclrView, simclrViews } from '../../../train/augment/simclr-views';
import { createRng } from '../../../worker/contract/rng';

// A blob of ink in the middle, as digits and clothes are.
const image = Float32Array.from({ length: 784 }, (_, i) => {
  const y = Math.floor(i / 28) - 13.5;
  const x = (i % 28) - 13.5;
  return Math.max(0, 1 - (x * x + y * y) / 100);
});
const batch = new Float32Array(16 * 784);
for (let i = 0; i < 16; i++)
  batch.set(
    image.map((v) => v * (0.5 + i / 32)),
    i * 784,
  );

describe('SimCLR views', () => {
  it('are seeded: the same seed gives the same views, another seed others', () => {
    const [a1, a2] = simclrViews(batch, createRng(9));
    const [b1, b2] = simclrViews(batch, createRng(9));
    expect(a1).toEqual(b1);
    expect(a2).toEqual(b2);
    expect(simclrViews(batch, createRng(10))[0]).not.toEqual(a1);
  });

  it('are shape-stable, stay in [0, 1], and the two views of an image differ', () => {
    const [v1, v2] = simclrViews(batch, createRng(1));
    for (const v of [v1, v2]) {
      expect(v.length).toBe(batch.length);
      expect(v.every((p) => p >= 0 && p <= 1 && Number.isFinite(p))).toBe(true);
    }
    expect(v1).not.toEqual(v2);
  });

  it('keeps the object: a view without noise or erasing is the image, cropped and turned a little', () => {
    const gentle = { ...SIMCLR_VIEWS_28X28, noiseProbability: 0, erasingProbability: 0, gammaProbability: 0 };
    const rng = createRng(2);
    for (let t = 0; t < 20; t++) {
      const view = simclrView(image, rng, gentle);
      const ink = view.reduce((s, v) => s + v, 0);
      expect(ink).toBeGreaterThan(0.4 * image.reduce((s, v) => s + v, 0));
    }
  });

  it('with every transformation off, is the image itself', () => {
    const identity = {
      ...SIMCLR_VIEWS_28X28,
      cropScale: [1, 1] as const,
      aspectRatio: [1, 1] as const,
      maxRotationDegrees: 0,
      maxTranslation: 0,
      noiseProbability: 0,
      erasingProbability: 0,
      gammaProbability: 0,
    };
    const view = simclrView(image, createRng(3), identity);
    for (let i = 0; i < 784; i++) expect(view[i]).toBeCloseTo(image[i]!, 5);
  });

  it('rejects what is not a 28×28 image', () => {
    expect(() => simclrView(new Float32Array(10), createRng(1))).toThrow(/expected 784 pixels, got 10/);
    expect(() => simclrViews(new Float32Array(1000), createRng(1))).toThrow(/not 28×28 images/);
  });
});

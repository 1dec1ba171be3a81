import { describe, expect, it } from 'vitest';
import { jigsawExamples, randomPermutationClasses } from '../../../train/augment/tiles';
import { JIGSAW_PERMUTATIONS, restoreTiles } from '../../../worker/contract/jigsaw';
import { createRng } from '../../../worker/contract/rng';

const images = Float32Array.from({ length: 3 * 784 }, (_, i) => ((i * 53) % 97) / 96);

describe('jigsaw pretext examples', () => {
  it('restoring with the label is the exact inverse of the shuffle, for all 24 permutations', () => {
    const one = images.subarray(0, 784);
    const all = new Float32Array(24 * 784);
    for (let c = 0; c < 24; c++) all.set(one, c * 784);
    const ex = jigsawExamples(
      all,
      Array.from({ length: 24 }, (_, c) => c),
    );
    for (let c = 0; c < 24; c++) {
      const shuffled = ex.images.subarray(c * 784, (c + 1) * 784);
      expect(restoreTiles(shuffled, JIGSAW_PERMUTATIONS[c]!)).toEqual(one);
      if (c > 0) expect(shuffled).not.toEqual(one);
    }
  });

  it('draws classes from the seeded RNG: same seed, same classes, all in 0..23', () => {
    const a = randomPermutationClasses(500, createRng(3));
    expect(a).toEqual(randomPermutationClasses(500, createRng(3)));
    expect(a).not.toEqual(randomPermutationClasses(500, createRng(4)));
    expect(Math.min(...a)).toBe(0);
    expect(Math.max(...a)).toBe(23);
  });

  it('keeps shape and values, and names a class that is not a permutation', () => {
    const ex = jigsawExamples(images, [5, 0, 23]);
    expect(ex).toMatchObject({ count: 3, labels: Int32Array.from([5, 0, 23]) });
    expect([...ex.images].sort()).toEqual([...images].sort());
    expect(() => jigsawExamples(images, [1, 2, 24])).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: jigsaw: class 24 is not one of the 24 permutations]`,
    );
  });
});

// The jigsaw pretext examples (Noroozi & Favaro 2016, "Unsupervised learning of visual representations
// by solving jigsaw puzzles"), at the 2×2 / 24-permutation size of worker/contract/jigsaw.ts: the
// tiling, the permutation order and the restoration are the contract, imported, not copied.
// The tiles touch (no gap, no jitter as in the paper): a served image has no gap either, so a model
// trained with gaps would see other inputs than it answers for; the cost is that edge continuity is a
// low-level shortcut the network may partly use.

import { IMAGE_PIXELS } from '../../worker/contract/image';
import { JIGSAW_PERMUTATIONS, shuffleTiles } from '../../worker/contract/jigsaw';
import type { Rng } from '../../worker/contract/rng';
import type { PretextExamples } from './rotate';

/** One permutation class per image, uniform over the 24 (seeded). */
export function randomPermutationClasses(count: number, rng: Rng): Int32Array {
  return Int32Array.from({ length: count }, () => rng.int(JIGSAW_PERMUTATIONS.length));
}

/** Example i is image i with its tiles shuffled by permutation `classes[i]`; its label is that class. */
export function jigsawExamples(images: Float32Array, classes: ArrayLike<number>): PretextExamples {
  const n = images.length / IMAGE_PIXELS;
  if (classes.length !== n) throw new RangeError(`jigsaw: ${n} images but ${classes.length} classes`);
  const out = new Float32Array(images.length);
  const labels = Int32Array.from(classes);
  for (let i = 0; i < n; i++) {
    const permutation = JIGSAW_PERMUTATIONS[labels[i]!];
    if (!permutation) throw new RangeError(`jigsaw: class ${labels[i]} is not one of the 24 permutations`);
    out.set(
      shuffleTiles(images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), permutation),
      i * IMAGE_PIXELS,
    );
  }
  return { images: out, labels, count: n };
}

// The jigsaw pretext task (Noroozi & Favaro 2016, "Unsupervised learning of visual representations by
// solving jigsaw puzzles"), kept small for 28×28 digits: a 2×2 grid of 14×14 tiles and all 4! = 24
// permutations as the classes. Shared by the trainer, which shuffles, and the worker, which restores.
//
// The contract of a `jigsaw` model:
// - tiles are numbered row-major: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right;
// - a permutation p puts original tile p[k] at position k: shuffled.tile[k] = image.tile[p[k]];
// - class c is JIGSAW_PERMUTATIONS[c], the permutations of [0, 1, 2, 3] in lexicographic order
//   (class 0 is the identity, class 23 is [3, 2, 1, 0]);
// - the manifest lists task "jigsaw" and the output role `permutationProbabilities` (softmax) or
//   `permutationLogits`, of shape [24].

import { IMAGE_PIXELS, IMAGE_SIDE as SIDE } from './image';

export const JIGSAW_GRID = 2;
export const JIGSAW_TILE = SIDE / JIGSAW_GRID;

function permutationsOf(items: readonly number[]): number[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((first, i) =>
    permutationsOf([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [first, ...rest]),
  );
}

export const JIGSAW_PERMUTATIONS: readonly (readonly number[])[] = Object.freeze(
  permutationsOf(Array.from({ length: JIGSAW_GRID * JIGSAW_GRID }, (_, i) => i)).map((p) => Object.freeze(p)),
);

/** Copies tile `from` of `source` into tile `to` of `target` (both 28×28 row-major). */
function copyTile(source: Float32Array, from: number, target: Float32Array, to: number): void {
  const fromY = Math.floor(from / JIGSAW_GRID) * JIGSAW_TILE;
  const fromX = (from % JIGSAW_GRID) * JIGSAW_TILE;
  const toY = Math.floor(to / JIGSAW_GRID) * JIGSAW_TILE;
  const toX = (to % JIGSAW_GRID) * JIGSAW_TILE;
  for (let y = 0; y < JIGSAW_TILE; y++) {
    const row = source.subarray((fromY + y) * SIDE + fromX, (fromY + y) * SIDE + fromX + JIGSAW_TILE);
    target.set(row, (toY + y) * SIDE + toX);
  }
}

/** shuffled.tile[k] = image.tile[permutation[k]]: how a training example is made. */
export function shuffleTiles(image: Float32Array, permutation: readonly number[]): Float32Array {
  const shuffled = new Float32Array(IMAGE_PIXELS);
  permutation.forEach((from, to) => {
    copyTile(image, from, shuffled, to);
  });
  return shuffled;
}

/** The inverse: image.tile[permutation[k]] = shuffled.tile[k]. */
export function restoreTiles(shuffled: Float32Array, permutation: readonly number[]): Float32Array {
  const image = new Float32Array(IMAGE_PIXELS);
  permutation.forEach((original, position) => {
    copyTile(shuffled, position, image, original);
  });
  return image;
}

// The pretext geometry written again, on purpose apart from worker/contract/ and in another form (pixels
// scattered to where they go, permutations by nested loops), so that the API's answers are checked
// against something the code under test did not compute. Images are 28×28 row-major number arrays.

const SIDE = 28;
const HALF = 14;

/** The class order of a rotation model: class k = turned k·90° counter-clockwise. */
export const ANGLES = [0, 90, 180, 270] as const;

/** `quarterTurns`·90° counter-clockwise (negative: clockwise): pixel (row r, column c) moves to (27 − c, r). */
export function turnCounterClockwise(image: readonly number[], quarterTurns: number): number[] {
  let current = [...image];
  for (let t = 0; t < ((quarterTurns % 4) + 4) % 4; t++) {
    const next = new Array<number>(SIDE * SIDE);
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) next[(SIDE - 1 - c) * SIDE + r] = current[r * SIDE + c]!;
    }
    current = next;
  }
  return current;
}

/** The 24 orders of 4 tiles, lexicographic: a jigsaw model's classes. */
export const PERMUTATIONS: readonly (readonly number[])[] = (() => {
  const all: number[][] = [];
  for (let a = 0; a < 4; a++)
    for (let b = 0; b < 4; b++)
      for (let c = 0; c < 4; c++)
        for (let d = 0; d < 4; d++) if (new Set([a, b, c, d]).size === 4) all.push([a, b, c, d]);
  return all;
})();

/** Copies the 14×14 tile at grid position `from` of `source` to position `to` of `target` (row-major tiles). */
function moveTile(source: readonly number[], from: number, target: number[], to: number): void {
  for (let y = 0; y < HALF; y++) {
    for (let x = 0; x < HALF; x++) {
      const fromPixel = (Math.floor(from / 2) * HALF + y) * SIDE + (from % 2) * HALF + x;
      const toPixel = (Math.floor(to / 2) * HALF + y) * SIDE + (to % 2) * HALF + x;
      target[toPixel] = source[fromPixel]!;
    }
  }
}

/** Position k of the result shows original tile p[k]. */
export function shuffle(image: readonly number[], p: readonly number[]): number[] {
  const out = new Array<number>(SIDE * SIDE);
  p.forEach((original, position) => {
    moveTile(image, original, out, position);
  });
  return out;
}

/** The inverse of {@link shuffle}: original tile p[k] is taken back from position k. */
export function unshuffle(shuffled: readonly number[], p: readonly number[]): number[] {
  const out = new Array<number>(SIDE * SIDE);
  p.forEach((original, position) => {
    moveTile(shuffled, position, out, original);
  });
  return out;
}

/** Index of the largest value (the first of ties). */
export function indexOfMax(values: readonly number[]): number {
  return values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
}

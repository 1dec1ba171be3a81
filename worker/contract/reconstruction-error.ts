// The reconstruction loss of the autoencoder lecture, L_rec = mean((x − x̂)²), as one number: what
// /v1/reconstruct answers per image, what the demo shows, and what the evaluation reports per test set.
// Summed in float64, so a 784-pixel image and a whole test split alike lose no precision.

/** mean((a − b)²) over all values; `a` and `b` have the same length. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new RangeError(`meanSquaredError: lengths ${a.length} and ${b.length} differ`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum / a.length;
}

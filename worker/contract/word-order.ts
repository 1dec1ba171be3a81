// Word-order recovery, shared by the evaluation (train/text/) and /v1/text/unshuffle: from each word's
// scores over positions to one consistent order, and Kendall's τ to grade an order.

/**
 * The permutation that maximises the total score Σᵢ score[i][π(i)], where score[i][p] is how much
 * word i belongs at position p (log-probabilities from the model). Taking each word's own argmax can
 * put two words in one place; the best assignment cannot. Hungarian algorithm (Kuhn 1955, in the
 * O(n³) potentials form of Jonker & Volgenant), on the cost −score.
 * @returns position[i]: where word i goes.
 */
export function bestAssignment(score: readonly (readonly number[])[]): number[] {
  const n = score.length;
  for (const row of score) {
    if (row.length !== n)
      throw new RangeError(`bestAssignment needs an n×n matrix, got a row of ${row.length} for n = ${n}`);
  }
  // 1-based arrays as in the classic formulation; column 0 is the virtual start.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const wordAt = new Int32Array(n + 1); // wordAt[p] = the row assigned to column p (0 = none)
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    wordAt[0] = i;
    let p0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[p0] = 1;
      const i0 = wordAt[p0]!;
      let delta = Infinity;
      let p1 = 0;
      for (let p = 1; p <= n; p++) {
        if (used[p]) continue;
        const cur = -score[i0 - 1]![p - 1]! - u[i0]! - v[p]!;
        if (cur < minv[p]!) {
          minv[p] = cur;
          way[p] = p0;
        }
        if (minv[p]! < delta) {
          delta = minv[p]!;
          p1 = p;
        }
      }
      for (let p = 0; p <= n; p++) {
        if (used[p]) {
          u[wordAt[p]!]! += delta;
          v[p]! -= delta;
        } else {
          minv[p]! -= delta;
        }
      }
      p0 = p1;
    } while (wordAt[p0] !== 0);
    do {
      const p1 = way[p0]!;
      wordAt[p0] = wordAt[p1]!;
      p0 = p1;
    } while (p0 !== 0);
  }
  const position = new Array<number>(n);
  for (let p = 1; p <= n; p++) position[wordAt[p]! - 1] = p - 1;
  return position;
}

/**
 * The scores of a shuffled sentence's n tokens over positions 0 … n−1: each token's row of the
 * word-order head's [L, L] logits, cut to the first n positions and log-softmaxed over them (a
 * sentence of n words has no position n or later).
 */
export function positionScores(logits: ArrayLike<number>, n: number, maxLength: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    let max = -Infinity;
    for (let p = 0; p < n; p++) max = Math.max(max, logits[i * maxLength + p]!);
    let sum = 0;
    for (let p = 0; p < n; p++) sum += Math.exp(logits[i * maxLength + p]! - max);
    const logSum = Math.log(sum) + max;
    return Array.from({ length: n }, (_, p) => logits[i * maxLength + p]! - logSum);
  });
}

/** position[i] (where item i goes) → order[p] (which item is at p). */
export function invertPermutation(position: readonly number[]): number[] {
  const order = new Array<number>(position.length);
  position.forEach((p, i) => {
    order[p] = i;
  });
  return order;
}

/**
 * Kendall's rank correlation τ between two orders of the same n items (positions, not values):
 * (concordant − discordant) / (n(n−1)/2). 1 = same order, −1 = reversed, ≈ 0 for a random one.
 * Defined as 1 for n < 2 (there is no pair to get wrong).
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`kendallTau: lengths differ (${n} vs ${b.length})`);
  if (n < 2) return 1;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) sum += Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
  }
  return sum / ((n * (n - 1)) / 2);
}

/**
 * Repeated words are interchangeable: if a sentence has "the" twice, either copy may take either
 * place. Gives each group of equal tokens its true positions in the order the prediction put them,
 * so grading never counts a swap of two identical words as a mistake.
 */
export function alignRepeatedTokens(
  tokens: readonly number[],
  truePosition: readonly number[],
  predicted: readonly number[],
): number[] {
  const aligned = [...truePosition];
  const groups = new Map<number, number[]>();
  tokens.forEach((t, i) => {
    groups.set(t, [...(groups.get(t) ?? []), i]);
  });
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const truths = members.map((i) => truePosition[i]!).sort((x, y) => x - y);
    const byPrediction = [...members].sort((x, y) => predicted[x]! - predicted[y]!);
    byPrediction.forEach((i, k) => {
      aligned[i] = truths[k]!;
    });
  }
  return aligned;
}

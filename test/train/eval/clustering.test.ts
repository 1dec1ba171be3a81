import { describe, expect, it } from 'vitest';
import {
  clusteringAccuracy,
  contingencyTable,
  normalizedMutualInformation,
} from '../../../train/eval/clustering';
import { createRng } from '../../../worker/contract/rng';

/** Accuracy by trying every cluster→class bijection (k! of them): the naive reference. */
function bruteForceAccuracy(clusters: number[], labels: number[], k: number): number {
  const permutations = (items: number[]): number[][] =>
    items.length <= 1
      ? [items]
      : items.flatMap((x, i) => permutations(items.filter((_, j) => j !== i)).map((p) => [x, ...p]));
  let best = 0;
  for (const p of permutations(Array.from({ length: k }, (_, i) => i))) {
    best = Math.max(best, clusters.filter((c, i) => p[c] === labels[i]).length);
  }
  return best / clusters.length;
}

describe('clusteringAccuracy', () => {
  it('is 1 for a relabelled copy of the classes', () => {
    const labels = [0, 0, 1, 1, 2, 2, 3, 3, 3];
    const permuted = labels.map((l) => [2, 3, 0, 1][l]!);
    expect(clusteringAccuracy(permuted, labels)).toBe(1);
  });

  it('matches a hand count: clusters {0,0,1 | 1,1 | 2} against classes', () => {
    // cluster 0 holds classes a,a,b; cluster 1 holds b,b; cluster 2 holds c → best match a↔0, b↔1,
    // c↔2 gets 2 + 2 + 1 = 5 of 6 points.
    expect(clusteringAccuracy([0, 0, 0, 1, 1, 2], [7, 7, 8, 8, 8, 9])).toBeCloseTo(5 / 6, 12);
  });

  it('agrees with trying every bijection on random labellings', () => {
    const rng = createRng(3);
    const next = () => rng.int(4);
    for (let trial = 0; trial < 20; trial++) {
      const clusters = Array.from({ length: 40 }, next);
      const labels = Array.from({ length: 40 }, next);
      expect(clusteringAccuracy(clusters, labels)).toBeCloseTo(bruteForceAccuracy(clusters, labels, 4), 12);
    }
  });

  it('counts surplus clusters as wrong (more clusters than classes)', () => {
    expect(clusteringAccuracy([0, 1, 2, 3], [0, 0, 1, 1])).toBe(0.5);
  });
});

describe('normalizedMutualInformation', () => {
  it('is 1 for identical partitions, whatever the ids', () => {
    expect(normalizedMutualInformation([0, 0, 1, 1, 2], [5, 5, 9, 9, 1])).toBeCloseTo(1, 12);
  });

  it('is 0 for independent partitions', () => {
    // Every cluster holds each class equally often: I(U; V) = 0.
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    const clusters = Array.from({ length: 900 }, (_, i) => i % 3);
    const labels = Array.from({ length: 900 }, (_, i) => Math.floor(i / 3) % 3);
    expect(normalizedMutualInformation(clusters, labels)).toBeCloseTo(0, 12);
  });

  it('matches a hand computation', () => {
    // U = {0,0,1,1}, V = {0,0,0,1}: n = 4, table [[2,0],[1,1]].
    // I = ½·ln(4·2/(2·3)) + ¼·ln(4·1/(2·3)) + ¼·ln(4·1/(2·1)) = ½ln(4/3) + ¼ln(2/3) + ¼ln 2
    // H(U) = ln 2, H(V) = −¾ln¾ − ¼ln¼; NMI = I / ((H(U) + H(V)) / 2).
    const mi = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);
    const hv = -0.75 * Math.log(0.75) - 0.25 * Math.log(0.25);
    const expected = mi / ((Math.log(2) + hv) / 2);
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.34371, 4); // the same formula evaluated in Python: 0.343711…
  });

  it('is symmetric and 1 for two single-cluster partitions', () => {
    const u = [0, 1, 1, 2, 2, 2, 0];
    const v = [1, 1, 0, 0, 2, 2, 2];
    expect(normalizedMutualInformation(u, v)).toBeCloseTo(normalizedMutualInformation(v, u), 12);
    expect(normalizedMutualInformation([4, 4, 4], [1, 1, 1])).toBe(1);
  });
});

describe('contingencyTable', () => {
  it('counts co-occurrences and rejects mismatched lengths', () => {
    expect(contingencyTable([0, 0, 1], [3, 4, 4])).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect(() => contingencyTable([0], [0, 1])).toThrowErrorMatchingInlineSnapshot(
      `[Error: clustering metrics: 1 cluster ids but 2 labels]`,
    );
  });
});

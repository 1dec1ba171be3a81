// How well clusters match the classes they were not trained on (the lecture's k-means on MNIST).
// Both metrics ignore which cluster id goes with which class.
import { linearSumAssignment } from 'linear-sum-assignment';

/** n_ij = how many points are in cluster i and class j, with ids compacted to 0.. in first-seen order. */
export function contingencyTable(clusters: ArrayLike<number>, labels: ArrayLike<number>): number[][] {
  if (clusters.length !== labels.length) {
    throw new Error(`clustering metrics: ${clusters.length} cluster ids but ${labels.length} labels`);
  }
  const index = (ids: Map<number, number>, id: number) => {
    const known = ids.get(id);
    if (known !== undefined) return known;
    ids.set(id, ids.size);
    return ids.size - 1;
  };
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  const pairs = Array.from({ length: clusters.length }, (_, n) => [
    index(rows, clusters[n]!),
    index(cols, labels[n]!),
  ]);
  const table = Array.from({ length: rows.size }, () => new Array<number>(cols.size).fill(0));
  for (const [i, j] of pairs) table[i!]![j!]!++;
  return table;
}

/**
 * Clustering accuracy: the share of points whose class is the one their cluster is matched to, under
 * the best one-to-one matching of clusters to classes (Hungarian / Jonker–Volgenant assignment on the
 * contingency table; Xie, Girshick & Farhadi 2016, "Unsupervised Deep Embedding for Clustering", eq. 10).
 * With more clusters than classes the extra clusters match nothing and count as wrong.
 */
export function clusteringAccuracy(clusters: ArrayLike<number>, labels: ArrayLike<number>): number {
  const table = contingencyTable(clusters, labels);
  if (table.length === 0) return 1;
  const { rowAssignments } = linearSumAssignment(table, { maximaze: true });
  let matched = 0;
  rowAssignments.forEach((j, i) => {
    if (j >= 0) matched += table[i]![j]!;
  });
  return matched / clusters.length;
}

const entropy = (counts: readonly number[], n: number) =>
  -counts.reduce((s, c) => (c > 0 ? s + (c / n) * Math.log(c / n) : s), 0);

/**
 * Normalised mutual information with the arithmetic-mean normaliser, scikit-learn's default:
 * NMI = I(U; V) / ((H(U) + H(V)) / 2), natural logarithms (they cancel). As in scikit-learn, two
 * partitions that are both a single cluster score 1, and I = 0 scores 0.
 */
export function normalizedMutualInformation(clusters: ArrayLike<number>, labels: ArrayLike<number>): number {
  const table = contingencyTable(clusters, labels);
  const n = clusters.length;
  const a = table.map((row) => row.reduce((s, v) => s + v, 0));
  const b = (table[0] ?? []).map((_, j) => table.reduce((s, row) => s + row[j]!, 0));
  if (a.length === b.length && a.length <= 1) return 1;
  let mi = 0;
  table.forEach((row, i) => {
    row.forEach((nij, j) => {
      if (nij > 0) mi += (nij / n) * Math.log((n * nij) / (a[i]! * b[j]!));
    });
  });
  if (mi <= 0) return 0;
  return mi / ((entropy(a, n) + entropy(b, n)) / 2);
}

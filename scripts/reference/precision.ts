// precision@k of a reference index: for queries the index never saw (held-out images of the same
// dataset), the share of each query's k nearest reference items that have the query's class. A
// retrieval view of the embedding (Manning et al., "Introduction to Information Retrieval", 8.4): what a
// "more like this" list built on it shows a user.

import type { Dataset } from '../../train/data/dataset';
import { spreadSubset } from '../../train/data/subset';
import {
  type Neighbor,
  nearestNeighbors,
  type ReferenceVectors,
} from '../../worker/contract/reference-index';

/** How many held-out images `npm run eval` and `npm run models:index` search with. */
export const HELD_OUT_QUERIES = 2000;
export const PRECISION_K = 10;

/** An evenly spaced subset of the held-out split (every class, whatever the split's order). */
export const heldOutQueries = (data: Dataset, count: number = HELD_OUT_QUERIES): Dataset =>
  spreadSubset(data, count);

/** Mean over queries of |{neighbours of the query's class}| / k. */
export function precisionAtK(
  found: readonly (readonly Neighbor[])[],
  referenceLabels: ArrayLike<number>,
  queryLabels: ArrayLike<number>,
  k: number = PRECISION_K,
): number {
  if (found.length === 0) throw new RangeError('precision@k needs at least one query');
  let hits = 0;
  found.forEach((neighbors, q) => {
    if (neighbors.length < k) throw new RangeError(`query ${q} has ${neighbors.length} neighbours, not ${k}`);
    for (let i = 0; i < k; i++) if (referenceLabels[neighbors[i]!.index] === queryLabels[q]) hits++;
  });
  return hits / (found.length * k);
}

/** Searches the index with `queries` (rows of embeddings) and scores the answers; also how long it took. */
export function measurePrecision(
  vectors: ReferenceVectors,
  referenceLabels: ArrayLike<number>,
  queries: Float32Array,
  queryLabels: ArrayLike<number>,
  k: number = PRECISION_K,
): { precision: number; msPerQuery: number } {
  const started = performance.now();
  const found = nearestNeighbors(vectors, queries, k);
  const msPerQuery = (performance.now() - started) / found.length;
  return { precision: precisionAtK(found, referenceLabels, queryLabels, k), msPerQuery };
}

/**
 * The k nearest rows by cosine similarity on float32 embeddings, without the int8 rounding: what the
 * index would answer if it stored every float. Plain brute force; ties keep the lower index.
 */
export function exactNeighbors(
  rows: Float32Array,
  dims: number,
  queries: Float32Array,
  k: number,
): number[][] {
  const count = rows.length / dims;
  const unit = (data: Float32Array, r: number) => {
    const v = new Float64Array(dims);
    let squares = 0;
    for (let j = 0; j < dims; j++) squares += data[r * dims + j]! ** 2;
    const length = Math.sqrt(squares);
    for (let j = 0; j < dims; j++) v[j] = length === 0 ? 0 : data[r * dims + j]! / length;
    return v;
  };
  const references = Array.from({ length: count }, (_, r) => unit(rows, r));
  return Array.from({ length: queries.length / dims }, (_, q) => {
    const query = unit(queries, q);
    const scores = references.map((row, r) => {
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += row[j]! * query[j]!;
      return { r, dot };
    });
    scores.sort((a, b) => b.dot - a.dot || a.r - b.r);
    return scores.slice(0, k).map((s) => s.r);
  });
}

/** Mean share of each exact top-k that the index's top-k holds: what the int8 rounding costs. */
export function recallAtK(
  found: readonly (readonly Neighbor[])[],
  exact: readonly (readonly number[])[],
): number {
  let kept = 0;
  let total = 0;
  exact.forEach((truth, q) => {
    const answered = new Set(found[q]!.map((n) => n.index));
    kept += truth.filter((index) => answered.has(index)).length;
    total += truth.length;
  });
  return kept / total;
}

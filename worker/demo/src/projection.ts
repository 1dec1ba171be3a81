// The 2-D map of an embedding: principal component analysis of the embedded training subset (the
// lecture's PCA, by power iteration with deflation on the small covariance), and nearest neighbours.

export interface Projection {
  mean: number[];
  /** Two unit vectors, the top principal directions. */
  axes: [number[], number[]];
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

export function fitProjection(points: readonly number[][]): Projection {
  const dims = points[0]?.length ?? 0;
  const mean = Array.from({ length: dims }, (_, d) => points.reduce((s, p) => s + p[d]!, 0) / points.length);
  const centred = points.map((p) => p.map((v, d) => v - mean[d]!));
  const covariance = Array.from({ length: dims }, (_, i) =>
    Array.from({ length: dims }, (_, j) => centred.reduce((s, p) => s + p[i]! * p[j]!, 0) / points.length),
  );
  const axes: number[][] = [];
  for (let k = 0; k < 2; k++) {
    // deterministic start, so the API and the browser draw the same map
    let v = Array.from({ length: dims }, (_, d) => 1 + d / dims);
    for (let iteration = 0; iteration < 200; iteration++) {
      let next = covariance.map((row) => dot(row, v));
      for (const axis of axes) {
        const along = dot(next, axis);
        next = next.map((x, d) => x - along * axis[d]!);
      }
      const norm = Math.hypot(...next) || 1;
      v = next.map((x) => x / norm);
    }
    axes.push(v);
  }
  return { mean, axes: [axes[0]!, axes[1]!] };
}

export function project({ mean, axes }: Projection, point: readonly number[]): [number, number] {
  const centred = point.map((v, d) => v - mean[d]!);
  return [dot(centred, axes[0]), dot(centred, axes[1])];
}

/** Indices of the k points nearest to `query` (Euclidean), nearest first. */
export function nearest(points: readonly number[][], query: readonly number[], k: number): number[] {
  const distance = (p: readonly number[]) => p.reduce((s, v, d) => s + (v - query[d]!) ** 2, 0);
  return points
    .map((p, i) => ({ i, d: distance(p) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map(({ i }) => i);
}

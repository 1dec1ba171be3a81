// PCA as an ONNX graph: x [N, D] → embedding = (x − μ)Vᵀ [N, k] and reconstruction = embedding·V + μ
// [N, D] (the lecture's linear encoder f(x) = Vᵀ(x − μ) and decoder g(h) = Vh + μ).
import { OnnxGraph } from './onnx-graph';

/** What the graph needs from a fitted PCA: `components` holds the k principal axes V as rows [k, D]. */
export interface PcaProjection {
  readonly mean: Float32Array;
  readonly components: Float32Array;
  readonly k: number;
  readonly dim: number;
}

/** Vᵀ as a [D, k] row-major matrix, the right operand of MatMul. */
function transposedComponents(p: PcaProjection): Float32Array {
  const vt = new Float32Array(p.dim * p.k);
  for (let i = 0; i < p.k; i++)
    for (let d = 0; d < p.dim; d++) vt[d * p.k + i] = p.components[i * p.dim + d]!;
  return vt;
}

function check(p: PcaProjection): void {
  if (p.mean.length !== p.dim || p.components.length !== p.k * p.dim) {
    throw new Error(
      `PCA graph: mean has ${p.mean.length} values and components ${p.components.length}; expected ${p.dim} and ${p.k}×${p.dim}`,
    );
  }
}

/** Appends the projection (x − μ)Vᵀ to `g` and returns the embedding value [N, k]. */
export function appendPcaEmbedding(g: OnnxGraph, x: string, p: PcaProjection): string {
  check(p);
  const centred = g.op('Sub', [x, g.floats('pca_mean', [p.dim], p.mean)]);
  return g.op('MatMul', [centred, g.floats('pca_components_t', [p.dim, p.k], transposedComponents(p))]);
}

/** The served PCA model: input `x`, outputs `embedding` and `reconstruction`. */
export function exportPcaGraph(p: PcaProjection, graphName = 'pca'): Uint8Array {
  const g = new OnnxGraph(graphName);
  const x = g.input('x', ['N', p.dim]);
  const embedding = appendPcaEmbedding(g, x, p);
  const decoded = g.op('MatMul', [embedding, g.floats('pca_components', [p.k, p.dim], p.components)]);
  const reconstruction = g.op('Add', [decoded, g.floats('pca_mean', [p.dim], p.mean)]);
  g.output(embedding, 'embedding', ['N', p.k]);
  g.output(reconstruction, 'reconstruction', ['N', p.dim]);
  return g.toBytes();
}

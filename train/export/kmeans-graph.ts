// k-means as one ONNX graph, so /v1/cluster is one session run:
//   x [N, 784] → features (pixels | PCA projection | a tfjs encoder | a committed ONNX encoder)
//             [→ f/‖f‖ for spherical k-means] → distances ‖f − μⱼ‖² [N, k] → cluster = argminⱼ (int64 [N]).
import * as tf from '@tensorflow/tfjs';
import { IMAGE_PIXELS as PIXELS } from '../../worker/contract/image';
import { graphUpTo } from './compose';
import { appendLayersModel } from './layers-model';
import { OnnxGraph } from './onnx-graph';
import { appendPcaEmbedding, type PcaProjection } from './pca-graph';

/** The part in front of the distances: what the centroids were fitted on. */
export type FeatureEncoder =
  | { kind: 'pixels' }
  | { kind: 'pca'; projection: PcaProjection }
  /** A tfjs model whose input is [N, 784] or an image shape of 784 values (e.g. 28×28×1). */
  | { kind: 'layers'; model: tf.LayersModel; output?: string }
  /** Bytes of an exported model (e.g. models/<name>/model.onnx), cut at its `output`. */
  | { kind: 'onnx'; bytes: Uint8Array; output?: string };

export interface KmeansGraphOptions {
  /** k × dim, row-major. */
  centroids: Float32Array;
  encoder: FeatureEncoder;
  graphName?: string;
  /** Scale each feature vector to unit length before the distances (the centroids are fitted so). */
  normalize?: boolean;
}

/**
 * Appends distances and the argmin to `g`; declares the outputs `cluster` (int64 [N]) and `distances`
 * ([N, k]). ‖f − μ‖² = ‖f‖² − 2f·μ + ‖μ‖² costs one MatMul; both sides are first shifted by the
 * centroids' mean m (distances do not change) so the three terms stay small and float32 cancellation
 * stays far below the 1e-4 parity tolerance even for large embeddings. Clamped at 0 against rounding.
 */
export function appendClusterHead(
  g: OnnxGraph,
  features: string,
  centroids: Float32Array,
  dim: number,
): void {
  const k = centroids.length / dim;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`k-means graph: ${centroids.length} values are not k × ${dim}`);
  const shift = new Float64Array(dim);
  for (let j = 0; j < k; j++) for (let d = 0; d < dim; d++) shift[d]! += centroids[j * dim + d]! / k;
  const minusTwoCt = new Float32Array(dim * k); // −2(μ − m)ᵀ, [dim, k]
  const norms = new Float32Array(k); // ‖μ − m‖²
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const c = centroids[j * dim + d]! - shift[d]!;
      minusTwoCt[d * k + j] = -2 * c;
      s += c * c;
    }
    norms[j] = s;
  }
  const f = g.op('Sub', [features, g.floats('kmeans_shift', [dim], shift)]);
  const f2 = g.op('ReduceSumSquare', [f], { axes: [1], keepdims: 1 }); // [N, 1]
  const cross = g.op('MatMul', [f, g.floats('kmeans_minus_two_centroids_t', [dim, k], minusTwoCt)]);
  const sum = g.op('Add', [g.op('Add', [cross, f2]), g.floats('kmeans_centroid_norms', [1, k], norms)]);
  const distances = g.op('Relu', [sum]);
  g.output(distances, 'distances', ['N', k]);
  g.output(g.op('ArgMin', [distances], { axis: 1, keepdims: 0 }), 'cluster', ['N'], 'int64');
}

/** The feature dimension the graph gives the head, and the value that carries it. */
function appendEncoder(o: KmeansGraphOptions): { g: OnnxGraph; features: string; dim: number } {
  const name = o.graphName ?? 'kmeans';
  const e = o.encoder;
  if (e.kind === 'onnx') {
    const cut = graphUpTo(e.bytes, e.output ?? 'embedding', name);
    return { g: cut.graph, features: cut.embedding, dim: cut.dim };
  }
  const g = new OnnxGraph(name);
  const x = g.input('x', ['N', PIXELS]);
  if (e.kind === 'pixels') return { g, features: x, dim: PIXELS };
  if (e.kind === 'pca') return { g, features: appendPcaEmbedding(g, x, e.projection), dim: e.projection.k };
  const wanted =
    e.output ?? (e.model.outputNames.includes('embedding') ? 'embedding' : e.model.outputNames[0]!);
  const at = e.model.outputNames.indexOf(wanted);
  const shape = e.model.outputs[at]?.shape;
  if (at < 0 || !shape || shape.length !== 2 || shape[1] == null) {
    throw new Error(`k-means graph: encoder ${e.model.name} has no [N, dim] output "${wanted}"`);
  }
  // Only the layers the embedding needs (an autoencoder's decoder would be dead weight). The sub-model
  // shares the layers and owns no weights of its own: it must not be disposed.
  const model =
    e.model.outputs.length === 1
      ? e.model
      : tf.model({ inputs: e.model.inputs, outputs: e.model.outputs[at]! });
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  if (model.inputs.length !== 1 || inShape.reduce((a, b) => a * b, 1) !== PIXELS) {
    throw new Error(`k-means graph: encoder ${model.name} must take one input of ${PIXELS} values per image`);
  }
  // tfjs images are row-major NHWC, so a flat 28×28 image reshapes straight into [28, 28, 1].
  const input = inShape.length === 1 ? x : g.op('Reshape', [x, g.ints('image_shape', [-1, ...inShape])]);
  const [features] = appendLayersModel(g, model, [input]);
  return { g, features: features!, dim: shape[1] };
}

export function exportKmeansGraph(o: KmeansGraphOptions): Uint8Array {
  const { g, features, dim } = appendEncoder(o);
  if (o.centroids.length % dim !== 0) {
    throw new Error(
      `k-means graph: centroids (${o.centroids.length} values) do not have the feature size ${dim}`,
    );
  }
  const head = o.normalize ? g.op('LpNormalization', [features], { axis: 1, p: 2 }) : features;
  appendClusterHead(g, head, o.centroids, dim);
  return g.toBytes();
}

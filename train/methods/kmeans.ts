// The k-means method: fit Lloyd's k-means (train/models/kmeans.ts) on the features a config names
// (methods/kmeans-features.ts), measure it on the test split, and export one ONNX graph
// x → (cluster, distances) that composes the feature encoder with the distance/argmin head.
import type { z } from 'zod';
import { TrainConfigSchema } from '../config/schema';
import { clusteringAccuracy, normalizedMutualInformation } from '../eval/clustering';
import { IMAGE_INPUT, writeModelArtifact } from '../export/artifact';
import { exportKmeansGraph } from '../export/kmeans-graph';
import { maxAbsDifference, PARITY_TOLERANCE, runOnnx } from '../export/parity';
import { type KmeansResult, kmeans, nearestCentroid, squaredDistances } from '../models/kmeans';
import { featureSource } from './kmeans-features';
import type { MethodResult } from './method';
import type { UnsupervisedContext } from './pca';

/** k-means' keys of the one config schema (train/config/schema.ts), with the method's own default name. */
export const KmeansConfigSchema = TrainConfigSchema.pick({
  name: true,
  version: true,
  k: true,
  restarts: true,
  maxIterations: true,
  tolerance: true,
  seed: true,
  features: true,
  normalizeFeatures: true,
}).extend({ name: TrainConfigSchema.shape.name.unwrap().default('mnist-kmeans') });
export type KmeansConfig = z.infer<typeof KmeansConfigSchema>;

/** Each row of `features` (rows of `dim`) divided by its length, as ONNX LpNormalization (p = 2) does. */
export function unitRows(features: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(features.length);
  for (let i = 0; i < features.length; i += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += features[i + d]! ** 2;
    const n = Math.sqrt(s);
    for (let d = 0; d < dim; d++) out[i + d] = n > 0 ? features[i + d]! / n : 0;
  }
  return out;
}

/**
 * Runs the cluster graph `onnx` on the first (at most 64) test images and holds it to what was computed
 * in TypeScript: `distances` (rows of k, in the space the graph's head measures) and `clusters`.
 * Throws when they disagree; returns the largest absolute distance error.
 */
export async function checkedClusterParity(
  onnx: Uint8Array,
  test: { images: Float32Array; count: number },
  distances: Float32Array | Float64Array,
  clusters: ArrayLike<number>,
  k: number,
): Promise<number> {
  const probe = Math.min(64, test.count);
  const pixels = IMAGE_INPUT.shape[1];
  const actual = await runOnnx(onnx, {
    x: { data: test.images.subarray(0, probe * pixels), shape: [probe, pixels] },
  });
  const expected = distances.subarray(0, probe * k);
  const parity = maxAbsDifference(expected, actual.distances!);
  // Squared distances of large embeddings run into the hundreds, where float32 itself rounds at
  // ~1e-4; and the graph's ‖f‖² − 2f·μ + ‖μ‖² rounds at the size of its terms, not of their (small)
  // difference to the nearest centroid. So each distance is held to 1e-4 relative to the largest
  // distance of its row (and at least 1e-4 absolute): on DEC-refined embeddings, whose clusters sit
  // far apart, the near centroid's distance alone came out 1.1e-4 off relative to itself.
  const relativeParity = Math.max(
    ...Array.from(expected, (d, i) => {
      const row = expected.subarray(i - (i % k), i - (i % k) + k);
      return Math.abs(d - actual.distances![i]!) / Math.max(1, ...row);
    }),
  );
  // An id may differ only on a near-tie, where float32 and float64 legitimately disagree.
  const wrongIds = Array.from({ length: probe }, (_, i) => clusters[i]!).filter((c, i) => {
    const other = actual.cluster![i]!;
    return other !== c && distances[i * k + other]! - distances[i * k + c]! > PARITY_TOLERANCE;
  }).length;
  if (relativeParity > PARITY_TOLERANCE || wrongIds > 0) {
    throw new Error(
      `export parity failed: distances off by ${parity} (relative ${relativeParity}), ${wrongIds} of ${probe} cluster ids differ`,
    );
  }
  return parity;
}

/**
 * Fits k-means on the training split's features and writes a model whose graph maps x to (cluster,
 * distances). Test metrics: accuracy (Hungarian-matched) and NMI against the labels, and the inertia.
 */
export async function trainKmeans(
  config: KmeansConfig,
  ctx: UnsupervisedContext,
): Promise<MethodResult & { clustering: KmeansResult }> {
  const { train, test } = ctx.data;
  const source = featureSource(config.features, ctx.modelsDir);
  const started = performance.now();
  const raw = await source.embed(train.images);
  const dim = raw.length / train.count;
  const unit = (f: Float32Array) => (config.normalizeFeatures ? unitRows(f, dim) : f);
  const trainFeatures = unit(raw);
  ctx.log(`fitting ${config.name}: k-means, k = ${config.k}, on ${source.describe} of ${train.count} images`);
  const fitted = kmeans(trainFeatures, dim, config);
  const seconds = (performance.now() - started) / 1000;

  const testFeatures = unit(await source.embed(test.images));
  const testClusters = nearestCentroid(testFeatures, dim, fitted.centroids);
  const testDistances = squaredDistances(testFeatures, dim, fitted.centroids);
  let inertia = 0;
  testClusters.forEach((c, i) => {
    inertia += testDistances[i * config.k + c]!;
  });
  const metrics: Record<string, number> = { inertia };
  if (test.classNames.length > 0) {
    metrics.accuracy = clusteringAccuracy(testClusters, test.labels);
    metrics.nmi = normalizedMutualInformation(testClusters, test.labels);
  }

  const onnx = exportKmeansGraph({
    centroids: fitted.centroids,
    encoder: source.encoder,
    graphName: config.name,
    normalize: config.normalizeFeatures,
  });
  const parity = await checkedClusterParity(onnx, test, testDistances, testClusters, config.k);
  const artifact = writeModelArtifact(
    ctx.modelsDir,
    {
      name: config.name,
      version: config.version,
      method: 'kmeans',
      description: `k-means (k = ${config.k}, k-means++ init, best of ${config.restarts}) on ${source.describe}${config.normalizeFeatures ? ', each scaled to unit length (spherical)' : ''}; cluster = argmin_j ||f(x) − μ_j||²`,
      tasks: ['cluster'],
      dataset: { name: ctx.dataset, split: ctx.data.split, trainSize: train.count, testSize: test.count },
      input: IMAGE_INPUT,
      outputs: {
        cluster: { name: 'cluster', shape: [] },
        distances: { name: 'distances', shape: [config.k] },
      },
      onnx: { parityMaxAbsError: parity },
      training: {
        command: ctx.command,
        backend: ctx.backend,
        config,
        epochs: 0,
        steps: fitted.iterations,
        finalLoss: fitted.inertia / train.count,
        durationSeconds: Math.round(seconds * 10) / 10,
      },
      metrics,
    },
    onnx,
  );
  const shown = Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`);
  ctx.log(
    `${fitted.iterations} iterations; test ${shown.join('  ')}  parity ${parity.toExponential(1)}  → ${artifact.dir}`,
  );
  return { artifact, finalLoss: fitted.inertia / train.count, metrics, clustering: fitted };
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, MNIST_SPLIT } from '../../../train/data/mnist';
import { spreadSubset } from '../../../train/data/subset';
import { clusteringAccuracy } from '../../../train/eval/clustering';
import { KmeansConfigSchema, trainKmeans } from '../../../train/methods/kmeans';
import { PcaConfigSchema, trainPca, type UnsupervisedContext } from '../../../train/methods/pca';
import {
  kmeans,
  kmeansPlusPlusInit,
  nearestCentroid,
  reseedEmptyClusters,
  squaredDistances,
} from '../../../train/models/kmeans';
import { ManifestSchema } from '../../../worker/contract/manifest';
import { createRng } from '../../../worker/contract/rng';

const OPTIONS = { restarts: 3, maxIterations: 100, tolerance: 1e-6, seed: 7 };

/** Four tight 2-D blobs around (±10, ±10), 50 points each; returns the points and their blob. */
function fourBlobs(seed: number) {
  const rng = createRng(seed);
  const centres = [
    [-10, -10],
    [10, -10],
    [-10, 10],
    [10, 10],
  ];
  const x = new Float32Array(200 * 2);
  const truth = new Int32Array(200);
  for (let i = 0; i < 200; i++) {
    truth[i] = i % 4;
    x[2 * i] = centres[i % 4]![0]! + rng.normal(0, 0.5);
    x[2 * i + 1] = centres[i % 4]![1]! + rng.normal(0, 0.5);
  }
  return { x, truth };
}

const clusterSizes = (assignments: Int32Array, k: number) => {
  const sizes = new Array<number>(k).fill(0);
  for (const a of assignments) sizes[a]!++;
  return sizes;
};

describe('kmeans', () => {
  it('recovers four well separated blobs exactly (up to relabelling)', () => {
    const { x, truth } = fourBlobs(1);
    const result = kmeans(x, 2, { k: 4, ...OPTIONS });
    expect(clusteringAccuracy(result.assignments, truth)).toBe(1);
    expect(result.iterations).toBeGreaterThanOrEqual(1);
  });

  it('a hand-computed case: {0, 1, 10, 11} with k = 2 gives centroids 0.5 and 10.5, inertia 1', () => {
    const result = kmeans(new Float32Array([0, 1, 10, 11]), 1, { k: 2, ...OPTIONS });
    expect(Array.from(result.centroids).sort((a, b) => a - b)).toEqual([0.5, 10.5]);
    expect(result.inertia).toBeCloseTo(1, 12);
  });

  it('returns assignments that are the nearest centroids and an inertia that is their distance sum', () => {
    const { x } = fourBlobs(2);
    const result = kmeans(x, 2, { k: 3, ...OPTIONS }); // k ≠ blobs: a non-trivial optimum
    expect(result.assignments).toEqual(nearestCentroid(x, 2, result.centroids));
    const d = squaredDistances(x, 2, result.centroids);
    const naive = Array.from(result.assignments).reduce((s, c, i) => s + d[i * 3 + c]!, 0);
    expect(result.inertia).toBeCloseTo(naive, 3); // centroids rounded to float32 on the way out
  });

  it('never returns an empty cluster, even with fewer distinct points than clusters', () => {
    // Five copies of the origin and one far point: k-means++ runs out of distinct points, so two
    // centroids coincide and the second one gets nothing until it is re-seeded.
    const x = new Float32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9]);
    for (const seed of [1, 2, 3, 4, 5]) {
      const result = kmeans(x, 2, { ...OPTIONS, k: 3, seed });
      expect(Math.min(...clusterSizes(result.assignments, 3))).toBeGreaterThan(0);
    }
  });

  it('re-seeds an empty cluster with the point farthest from its centroid', () => {
    const x = new Float32Array([0, 1, 2, 50]);
    const centroids = new Float64Array([1, 1000]); // nothing is near the second centroid
    const assignments = new Int32Array([0, 0, 0, 0]);
    const nearest = new Float64Array([1, 0, 1, 49 * 49]);
    expect(reseedEmptyClusters(x, 1, centroids, assignments, nearest)).toBe(1);
    expect(Array.from(assignments)).toEqual([0, 0, 0, 1]);
    expect(Array.from(centroids)).toEqual([1, 50]);
  });

  it('gives the same result for the same seed', () => {
    const { x } = fourBlobs(3);
    const a = kmeans(x, 2, { ...OPTIONS, k: 5, seed: 11 });
    const b = kmeans(x, 2, { ...OPTIONS, k: 5, seed: 11 });
    expect(b).toEqual(a);
  });

  it('k-means++ picks distinct points, even among duplicates', () => {
    const x = new Float32Array(Array.from({ length: 60 }, (_, i) => [i % 6, (i % 6) * 2]).flat());
    for (const seed of [1, 2, 3]) {
      const { indices, centroids } = kmeansPlusPlusInit(x, 2, 6, createRng(seed));
      expect(new Set(indices).size).toBe(6);
      const rows = Array.from({ length: 6 }, (_, j) => `${centroids[2 * j]},${centroids[2 * j + 1]}`);
      expect(new Set(rows).size).toBe(6); // six distinct coordinates, not just six indices
    }
  });

  it('rejects nonsense options', () => {
    expect(() => kmeans(new Float32Array(5), 2, { ...OPTIONS, k: 2 })).toThrow(/not rows of 2 features/);
    expect(() => kmeans(new Float32Array(4), 2, { ...OPTIONS, k: 3 })).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: k-means: k = 3 needs at least k points, got 2]`,
    );
  });
});

describe('trainKmeans on the MNIST sample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-kmeans-'));
  const { train, test } = loadMnist();
  const ctx: UnsupervisedContext = {
    data: { train: spreadSubset(train, 1000), test: spreadSubset(test, 200), split: MNIST_SPLIT },
    dataset: 'mnist',
    modelsDir: dir,
    command: 'test',
    backend: 'wasm',
    log: () => {},
  };
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('clusters pixels and writes a kmeans manifest with accuracy, nmi and inertia', async () => {
    const config = KmeansConfigSchema.parse({ name: 'px-kmeans', restarts: 2 });
    const result = await trainKmeans(config, ctx);
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(dir, 'px-kmeans', 'manifest.json'), 'utf8')),
    );
    expect(manifest).toMatchObject({
      method: 'kmeans',
      tasks: ['cluster'],
      outputs: { cluster: { name: 'cluster', shape: [] }, distances: { name: 'distances', shape: [10] } },
    });
    expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    expect(manifest.metrics.accuracy).toBeGreaterThan(0.35); // k-means on MNIST pixels: ≈ 0.5
    expect(manifest.metrics.nmi).toBeGreaterThan(0.3);
    expect(manifest.metrics.inertia).toBeGreaterThan(0);
    expect(Math.min(...clusterSizes(result.clustering.assignments, 10))).toBeGreaterThan(0);
  });

  it('clusters the embedding of a committed PCA model through one composed graph', async () => {
    await trainPca(PcaConfigSchema.parse({ name: 'tiny-pca', components: 12 }), ctx);
    await trainKmeans(
      KmeansConfigSchema.parse({ name: 'pca-kmeans', restarts: 2, features: 'pca:tiny-pca' }),
      ctx,
    );
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(dir, 'pca-kmeans', 'manifest.json'), 'utf8')),
    );
    expect(manifest.description).toMatch(/12-d embedding of tiny-pca/);
    expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
  });

  it('spherical k-means: the graph scales the features to unit length as the fit did', async () => {
    const result = await trainKmeans(
      KmeansConfigSchema.parse({
        name: 'unit-kmeans',
        restarts: 2,
        features: 'pca:tiny-pca',
        normalizeFeatures: true,
      }),
      ctx,
    );
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(dir, 'unit-kmeans', 'manifest.json'), 'utf8')),
    );
    expect(manifest.description).toMatch(/unit length \(spherical\)/);
    expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    // Fitted on unit vectors: every centroid is a mean of unit vectors, so its length is at most 1.
    const c = result.clustering.centroids;
    for (let j = 0; j < 10; j++)
      expect(Math.hypot(...c.subarray(j * 12, (j + 1) * 12))).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('names a missing or mismatched feature model', async () => {
    await expect(trainKmeans(KmeansConfigSchema.parse({ features: 'encoder:nope' }), ctx)).rejects.toThrow(
      /no model "nope"/,
    );
    await expect(trainKmeans(KmeansConfigSchema.parse({ features: 'pca:px-kmeans' }), ctx)).rejects.toThrow(
      /px-kmeans is a kmeans model, not pca/,
    );
    expect(() => KmeansConfigSchema.parse({ features: 'pixel' })).toThrow(
      /pixels, pca:<model> or encoder:<model>/,
    );
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, MNIST_SPLIT } from '../../../train/data/mnist';
import { spreadSubset } from '../../../train/data/subset';
import { fitPca, PcaConfigSchema, pcaEmbed, pcaReconstruct, trainPca } from '../../../train/methods/pca';
import { ManifestSchema, ModelIndexSchema } from '../../../worker/contract/manifest';
import { createRng } from '../../../worker/contract/rng';

/** Samples along five orthonormal axes with standard deviations 5, 3, 2, 1, 0.5, shifted by a mean. */
function anisotropicSample(n: number, seed: number) {
  const rng = createRng(seed);
  const dim = 5;
  const std = [5, 3, 2, 1, 0.5];
  // A fixed rotation: Gram–Schmidt of seeded random vectors.
  const axes = Array.from({ length: dim }, () => Array.from({ length: dim }, () => rng.normal()));
  axes.forEach((a, i) => {
    for (let j = 0; j < i; j++) {
      const dot = a.reduce((s, v, d) => s + v * axes[j]![d]!, 0);
      for (let d = 0; d < dim; d++) a[d]! -= dot * axes[j]![d]!;
    }
    const norm = Math.hypot(...a);
    for (let d = 0; d < dim; d++) a[d]! /= norm;
  });
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const z = std.map((s) => s * rng.normal());
    for (let d = 0; d < dim; d++) x[i * dim + d] = 3 + z.reduce((s, zi, a) => s + zi * axes[a]![d]!, 0);
  }
  return { x, dim };
}

/** Naive float64 covariance and its eigenpairs by power iteration with deflation: the reference. */
function powerIterationEigen(x: Float32Array, dim: number) {
  const n = x.length / dim;
  const mean = Array.from({ length: dim }, (_, d) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * dim + d]!;
    return s / n;
  });
  const cov = Array.from({ length: dim }, (_, a) =>
    Array.from({ length: dim }, (_, b) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (x[i * dim + a]! - mean[a]!) * (x[i * dim + b]! - mean[b]!);
      return s / (n - 1);
    }),
  );
  const pairs: { value: number; vector: number[] }[] = [];
  for (let k = 0; k < dim; k++) {
    let v = Array.from({ length: dim }, (_, d) => 1 + d);
    let value = 0;
    for (let it = 0; it < 5000; it++) {
      const w = cov.map((row) => row.reduce((s, c, d) => s + c * v[d]!, 0));
      value = Math.hypot(...w);
      v = w.map((t) => t / value);
    }
    pairs.push({ value, vector: v });
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a]![b]! -= value * v[a]! * v[b]!;
  }
  return pairs;
}

describe('fitPca', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('finds the eigenpairs of the covariance (power iteration in float64) to 1e-5', () => {
    const before = tf.memory().numTensors;
    const { x, dim } = anisotropicSample(4000, 1);
    const pca = fitPca(x, dim, dim);
    expect(tf.memory().numTensors).toBe(before);
    const reference = powerIterationEigen(x, dim);
    reference.forEach(({ value, vector }, i) => {
      expect(Math.abs(pca.eigenvalues[i]! - value) / value).toBeLessThan(1e-5);
      const dot = vector.reduce((s, v, d) => s + v * pca.components[i * dim + d]!, 0);
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-5); // same axis, up to sign
    });
    expect(Math.abs(pca.eigenvalues[0]! - 25)).toBeLessThan(2.5); // std 5 along the first axis, ± sampling
  });

  it('a hand-computed case: (−1, −1), (1, 1) has one axis (1, 1)/√2 with variance 4', () => {
    const pca = fitPca(new Float32Array([-1, -1, 1, 1]), 2, 2);
    expect(Array.from(pca.mean)).toEqual([0, 0]);
    expect(pca.eigenvalues[0]).toBeCloseTo(4, 6);
    expect(pca.eigenvalues[1]).toBeCloseTo(0, 6);
    expect(pca.components[0]).toBeCloseTo(Math.SQRT1_2, 6); // sign rule: largest entry positive
    expect(pca.components[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(pca.explainedVarianceRatio[0]).toBeCloseTo(1, 6);
  });

  it('explained variance ratios are descending, sum to at most 1, and to 1 with k = D', () => {
    const { x, dim } = anisotropicSample(500, 2);
    const two = fitPca(x, dim, 2);
    const total = two.explainedVarianceRatio.reduce((s, r) => s + r, 0);
    expect(total).toBeLessThanOrEqual(1);
    expect(two.explainedVarianceRatio[0]!).toBeGreaterThan(two.explainedVarianceRatio[1]!);
    const all = fitPca(x, dim, dim);
    expect(all.explainedVarianceRatio.reduce((s, r) => s + r, 0)).toBeCloseTo(1, 10);
  });

  it('reconstructs exactly with k = D', () => {
    const { x, dim } = anisotropicSample(50, 3);
    const pca = fitPca(x, dim, dim);
    const back = pcaReconstruct(pca, pcaEmbed(pca, x));
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(back[i]! - x[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('rejects k outside 1..D', () => {
    expect(() => fitPca(new Float32Array(6), 3, 4)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: PCA: k must be in 1..3, got 4]`,
    );
  });
});

describe('trainPca on the MNIST sample: fit, export, write the artifact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-pca-'));
  let result: Awaited<ReturnType<typeof trainPca>>;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    const { train, test } = loadMnist();
    result = await trainPca(PcaConfigSchema.parse({ name: 'tiny-pca', components: 16 }), {
      data: { train: spreadSubset(train, 1500), test: spreadSubset(test, 300), split: MNIST_SPLIT },
      dataset: 'mnist',
      modelsDir: dir,
      command: 'test',
      backend: tf.getBackend(),
      log: () => {},
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a pca manifest with test metrics and a graph that matches the float64 reference', () => {
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(dir, 'tiny-pca', 'manifest.json'), 'utf8')),
    );
    expect(manifest).toMatchObject({
      method: 'pca',
      tasks: ['embed', 'reconstruct'],
      outputs: { embedding: { name: 'embedding', shape: [16] }, reconstruction: { shape: [784] } },
      dataset: { trainSize: 1500, testSize: 300 },
    });
    expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    const { mse, psnr, explainedVariance } = manifest.metrics;
    expect(explainedVariance).toBeGreaterThan(0.4); // 16 axes keep most of a digit
    expect(explainedVariance).toBeLessThan(1);
    expect(mse).toBeGreaterThan(0);
    expect(psnr).toBeCloseTo(10 * Math.log10(1 / mse!), 10);
    expect(result.finalLoss).toBeLessThan(mse! * 1.5); // the training split fits at least as well
  });

  it('registers the model for embed and reconstruct', () => {
    const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')));
    expect(index.defaults).toEqual({ embed: 'tiny-pca', reconstruct: 'tiny-pca' });
  });

  it('rejects an unknown config key', () => {
    expect(() => PcaConfigSchema.parse({ k: 3 })).toThrow(/k/);
    expect(PcaConfigSchema.parse({}).components).toBe(32);
  });
});

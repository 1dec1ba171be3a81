// PCA, the lecture's closed-form linear autoencoder: centre the data, take the covariance
// Σ = XcᵀXc / (N − 1), and keep its top-k eigenvectors V (descending eigenvalues). The encoder is
// h = V(x − μ), the decoder x̂ = Vᵀh + μ; among all rank-k linear maps this minimises the
// reconstruction loss (Eckart–Young; Bishop, PRML §12.1). Exported as one ONNX graph x → (embedding,
// reconstruction), so it serves /v1/embed and /v1/reconstruct like any autoencoder.

import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { z } from 'zod';
import type { Manifest } from '../../worker/contract/manifest';
import { TrainConfigSchema } from '../config/schema';
import { psnrFromMse } from '../eval/reconstruction';
import { IMAGE_INPUT, writeModelArtifact } from '../export/artifact';
import { maxAbsDifference, PARITY_TOLERANCE, runOnnx } from '../export/parity';
import { exportPcaGraph, type PcaProjection } from '../export/pca-graph';
import type { MethodContext, MethodResult } from './method';

/** PCA's keys of the one config schema (train/config/schema.ts), with the method's own default name. */
export const PcaConfigSchema = TrainConfigSchema.pick({ name: true, version: true, components: true }).extend(
  {
    name: TrainConfigSchema.shape.name.unwrap().default('mnist-pca'),
  },
);
export type PcaConfig = z.infer<typeof PcaConfigSchema>;

/** What a data-agnostic unsupervised method needs from the CLI (PCA and k-means share it). */
export interface UnsupervisedContext {
  data: MethodContext['data'];
  dataset: Manifest['dataset']['name'];
  modelsDir: string;
  command: string;
  backend: string;
  log: (line: string) => void;
}

export interface PcaModel extends PcaProjection {
  /** Variance along each kept axis (the top-k eigenvalues of Σ), descending. */
  readonly eigenvalues: Float64Array;
  /** λᵢ / Σⱼ λⱼ over all D eigenvalues: the share of the total variance each kept axis explains. */
  readonly explainedVarianceRatio: Float64Array;
  /** trace Σ = Σⱼ λⱼ. */
  readonly totalVariance: number;
}

export function featureMean(x: Float32Array, dim: number): Float64Array {
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d]! += x[i * dim + d]!;
  for (let d = 0; d < dim; d++) mean[d]! /= n;
  return mean;
}

/**
 * Σ = (X − μ)ᵀ(X − μ) / (N − 1), D × D, accumulated in float64 over chunks of rows multiplied in tfjs.
 * The chunk is transposed explicitly: matMul(x, x, transposeA) is ≈ 10× slower on the wasm backend.
 */
export function covarianceMatrix(x: Float32Array, dim: number, mean: ArrayLike<number>, chunk = 512) {
  const n = x.length / dim;
  if (n < 2) throw new Error(`PCA needs at least 2 samples, got ${n}`);
  const cov = new Float64Array(dim * dim);
  const mu = tf.tensor1d(Float32Array.from(mean));
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const part = tf.tidy(() => {
      const centred = tf.sub(tf.tensor2d(x.subarray(start * dim, end * dim), [end - start, dim]), mu);
      return tf.matMul(tf.transpose(centred), centred);
    });
    const values = part.dataSync();
    part.dispose();
    for (let i = 0; i < values.length; i++) cov[i]! += values[i]!;
  }
  mu.dispose();
  for (let i = 0; i < cov.length; i++) cov[i]! /= n - 1;
  return cov;
}

/**
 * Fits PCA with k components on `x` (N rows of `dim` features). Each axis' sign is fixed so that its
 * largest-magnitude entry is positive, so the same data always gives the same embedding.
 */
export function fitPca(x: Float32Array, dim: number, k: number): PcaModel {
  if (!Number.isInteger(k) || k < 1 || k > dim) throw new RangeError(`PCA: k must be in 1..${dim}, got ${k}`);
  const mean = featureMean(x, dim);
  const cov = covarianceMatrix(x, dim, mean);
  const rows = Array.from({ length: dim }, (_, i) => Array.from(cov.subarray(i * dim, (i + 1) * dim)));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const lambda = evd.realEigenvalues.map((l) => Math.max(l, 0)); // tiny negatives are rounding
  const order = lambda.map((_, i) => i).sort((a, b) => lambda[b]! - lambda[a]!);
  const vectors = evd.eigenvectorMatrix;
  const components = new Float32Array(k * dim);
  const eigenvalues = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const column = order[i]!;
    eigenvalues[i] = lambda[column]!;
    let peak = 0;
    for (let d = 0; d < dim; d++) {
      const v = vectors.get(d, column);
      if (Math.abs(v) > Math.abs(peak)) peak = v;
    }
    const sign = peak < 0 ? -1 : 1;
    for (let d = 0; d < dim; d++) components[i * dim + d] = sign * vectors.get(d, column);
  }
  const totalVariance = lambda.reduce((s, l) => s + l, 0);
  const explainedVarianceRatio = eigenvalues.map((l) => (totalVariance > 0 ? l / totalVariance : 0));
  return {
    mean: Float32Array.from(mean),
    components,
    k,
    dim,
    eigenvalues,
    explainedVarianceRatio,
    totalVariance,
  };
}

/** h = V(x − μ) for each row of x, in float64: the reference the ONNX graph is checked against. */
export function pcaEmbed(p: PcaProjection, x: Float32Array): Float64Array {
  const n = x.length / p.dim;
  const h = new Float64Array(n * p.k);
  const centred = new Float64Array(p.dim);
  for (let r = 0; r < n; r++) {
    for (let d = 0; d < p.dim; d++) centred[d] = x[r * p.dim + d]! - p.mean[d]!;
    for (let i = 0; i < p.k; i++) {
      let s = 0;
      for (let d = 0; d < p.dim; d++) s += centred[d]! * p.components[i * p.dim + d]!;
      h[r * p.k + i] = s;
    }
  }
  return h;
}

/** x̂ = Vᵀh + μ. */
export function pcaReconstruct(p: PcaProjection, h: Float64Array): Float64Array {
  const n = h.length / p.k;
  const out = new Float64Array(n * p.dim);
  for (let r = 0; r < n; r++) {
    const row = out.subarray(r * p.dim, (r + 1) * p.dim);
    row.set(p.mean);
    for (let i = 0; i < p.k; i++) {
      const hi = h[r * p.k + i]!;
      for (let d = 0; d < p.dim; d++) row[d]! += hi * p.components[i * p.dim + d]!;
    }
  }
  return out;
}

/**
 * Test-split reconstruction metrics: mse, psnr, and explainedVariance = 1 − Σ‖x − x̂‖² / Σ‖x − μ‖², the
 * share of the split's variance about the training mean that the k axes keep.
 */
export function pcaReconstructionMetrics(p: PcaProjection, x: Float32Array) {
  const recon = pcaReconstruct(p, pcaEmbed(p, x));
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < x.length; i++) {
    sse += (x[i]! - recon[i]!) ** 2;
    sst += (x[i]! - p.mean[i % p.dim]!) ** 2;
  }
  const mse = sse / x.length;
  return { mse, psnr: psnrFromMse(mse), explainedVariance: sst > 0 ? 1 - sse / sst : 1 };
}

export async function trainPca(
  config: PcaConfig,
  ctx: UnsupervisedContext,
): Promise<MethodResult & { pca: PcaModel }> {
  const { train, test } = ctx.data;
  const dim = IMAGE_INPUT.shape[1];
  const started = performance.now();
  ctx.log(`fitting ${config.name}: PCA with k = ${config.components} on ${train.count} images`);
  const pca = fitPca(train.images, dim, config.components);
  const seconds = (performance.now() - started) / 1000;
  const kept = pca.explainedVarianceRatio.reduce((s, r) => s + r, 0);
  // Training reconstruction mse in closed form: the discarded eigenvalues, per pixel, with the
  // 1/N (not 1/(N − 1)) of a mean over the training images.
  const discarded = pca.totalVariance - pca.eigenvalues.reduce((s, l) => s + l, 0);
  const trainMse = (Math.max(discarded, 0) * (train.count - 1)) / train.count / dim;

  const metrics = pcaReconstructionMetrics(pca, test.images);
  const onnx = exportPcaGraph(pca, config.name);
  const probe = test.images.subarray(0, Math.min(64, test.count) * dim);
  const actual = await runOnnx(onnx, { x: { data: probe, shape: [probe.length / dim, dim] } });
  const embedding = pcaEmbed(pca, probe);
  const parity = Math.max(
    maxAbsDifference(embedding, actual.embedding!),
    maxAbsDifference(pcaReconstruct(pca, embedding), actual.reconstruction!),
  );
  if (parity > PARITY_TOLERANCE) {
    throw new Error(`export parity failed: max abs error ${parity} > ${PARITY_TOLERANCE}`);
  }
  const artifact = writeModelArtifact(
    ctx.modelsDir,
    {
      name: config.name,
      version: config.version,
      method: 'pca',
      description: `PCA: the top ${config.components} eigenvectors of the training covariance (${(kept * 100).toFixed(1)} % of the variance); embedding = V(x − μ), reconstruction = Vᵀh + μ`,
      tasks: ['embed', 'reconstruct'],
      dataset: { name: ctx.dataset, split: ctx.data.split, trainSize: train.count, testSize: test.count },
      input: IMAGE_INPUT,
      outputs: {
        embedding: { name: 'embedding', shape: [config.components] },
        reconstruction: { name: 'reconstruction', shape: [dim] },
      },
      onnx: { parityMaxAbsError: parity },
      training: {
        command: ctx.command,
        backend: ctx.backend,
        config,
        epochs: 0,
        steps: 0,
        finalLoss: trainMse,
        durationSeconds: Math.round(seconds * 10) / 10,
      },
      metrics: { mse: metrics.mse, psnr: metrics.psnr, explainedVariance: metrics.explainedVariance },
    },
    onnx,
  );
  ctx.log(
    `kept ${(kept * 100).toFixed(1)} % of the training variance; test mse ${metrics.mse.toFixed(5)}  psnr ${metrics.psnr.toFixed(2)} dB  parity ${parity.toExponential(1)}  → ${artifact.dir}`,
  );
  return { artifact, finalLoss: trainMse, metrics: { ...metrics, trainExplainedVariance: kept }, pca };
}

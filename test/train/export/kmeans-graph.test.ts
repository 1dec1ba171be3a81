// The served k-means graph: x → features → distances → argmin, checked against the plain-TS
// assignment for every kind of feature encoder.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadMnist } from '../../../train/data/mnist';
import { spreadSubset } from '../../../train/data/subset';
import { exportKmeansGraph, type FeatureEncoder } from '../../../train/export/kmeans-graph';
import { exportLayersModel } from '../../../train/export/layers-model';
import { maxAbsDifference, PARITY_TOLERANCE, runOnnx } from '../../../train/export/parity';
import { fitPca, pcaEmbed } from '../../../train/methods/pca';
import { kmeans, nearestCentroid, squaredDistances } from '../../../train/models/kmeans';
import { buildMlpAutoencoder } from '../../../train/models/mlp-autoencoder';

const images = spreadSubset(loadMnist().test, 120).images;
const N = 120;

/** Fits k = 6 centroids on `features`, runs the graph on the images and compares with plain TS. */
async function checkGraph(encoder: FeatureEncoder, features: Float32Array) {
  const dim = features.length / N;
  const { centroids } = kmeans(features, dim, {
    k: 6,
    restarts: 1,
    maxIterations: 20,
    tolerance: 1e-4,
    seed: 3,
  });
  const bytes = exportKmeansGraph({ centroids, encoder });
  const out = await runOnnx(bytes, { x: { data: images, shape: [N, 784] } });
  const expected = squaredDistances(features, dim, centroids);
  expect(maxAbsDifference(expected, out.distances!)).toBeLessThanOrEqual(PARITY_TOLERANCE);
  expect(Array.from(out.cluster!)).toEqual(Array.from(nearestCentroid(features, dim, centroids)));
  return bytes;
}

const tfjsFeatures = (model: tf.LayersModel, shape: number[]) =>
  tf.tidy(() => {
    const y = model.predict(tf.tensor(images, [N, ...shape]));
    return (Array.isArray(y) ? y[0]! : y).dataSync() as Float32Array;
  });

describe('exportKmeansGraph: distances ≤ 1e-4 and identical cluster ids vs plain TS', () => {
  let before = 0;
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('on raw pixels', async () => {
    await checkGraph({ kind: 'pixels' }, images);
  });

  it('on a PCA projection', async () => {
    const pca = fitPca(images, 784, 10);
    await checkGraph({ kind: 'pca', projection: pca }, Float32Array.from(pcaEmbed(pca, images)));
  });

  it("on a tfjs autoencoder's embedding, leaving its decoder out of the graph", async () => {
    const { model } = buildMlpAutoencoder({ inputDim: 784, hidden: [64], bottleneck: 8, seed: 2 });
    const bytes = await checkGraph({ kind: 'layers', model }, tfjsFeatures(model, [784]));
    const full = exportLayersModel(model);
    expect(bytes.byteLength).toBeLessThan(full.byteLength * 0.6); // the decoder's weights are not in it
    model.dispose();
  });

  it('on a conv encoder that takes 28×28×1 images (x is reshaped in the graph)', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [28, 28, 1],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 16, name: 'embedding' }),
      ],
    });
    await checkGraph({ kind: 'layers', model }, tfjsFeatures(model, [28, 28, 1]));
    model.dispose();
  });

  it('on a committed ONNX encoder, composed at the ONNX level (its "embedding" output)', async () => {
    const { model } = buildMlpAutoencoder({ inputDim: 784, hidden: [32], bottleneck: 6, seed: 4 });
    const onnx = exportLayersModel(model, {
      inputNames: ['x'],
      outputNames: ['embedding', 'reconstruction'],
    });
    await checkGraph({ kind: 'onnx', bytes: onnx }, tfjsFeatures(model, [784]));
    model.dispose();
  });

  it('says when the centroids do not fit the features', () => {
    expect(() =>
      exportKmeansGraph({ centroids: new Float32Array(10), encoder: { kind: 'pixels' } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[Error: k-means graph: centroids (10 values) do not have the feature size 784]`,
    );
  });
});

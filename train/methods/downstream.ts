// The downstream metrics every self-supervised method reports on its frozen embedding: linear probes
// with a share of the training labels, kNN (k = 20, cosine) and k-means (k = 10) clustering of the
// test embeddings, matched to the classes (ACC) and compared by NMI. Shared by rotnet, jigsaw, simclr
// and probe, so the numbers of the lecture's comparison are computed one way.
import * as tf from '@tensorflow/tfjs';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import type { TrainConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { clusteringAccuracy, normalizedMutualInformation } from '../eval/clustering';
import {
  type Embeddings,
  KNN_K,
  knnAccuracy,
  labelledSubset,
  linearProbeAccuracy,
  selectRows,
  type TrainedLinearProbe,
  trainLinearProbe,
} from '../eval/probe';
import { kmeans } from '../models/kmeans';

/** "1pct", "10pct", "100pct", "0.5pct": the metric-name suffix of a label share. */
export const shareName = (fraction: number) => `${Number((fraction * 100).toPrecision(3))}pct`;

/** The single output of `model` for every image, in blocks, leak-free (inference mode: BN uses moving stats). */
export function embedImages(model: tf.LayersModel, images: Float32Array, block = 512): Float32Array {
  const n = images.length / IMAGE_PIXELS;
  const dim = model.outputs[0]!.shape[1] as number;
  const out = new Float32Array(n * dim);
  for (let start = 0; start < n; start += block) {
    const end = Math.min(n, start + block);
    const rows = tf.tidy(() => {
      const y = model.predict(
        tf.tensor2d(images.subarray(start * IMAGE_PIXELS, end * IMAGE_PIXELS), [end - start, IMAGE_PIXELS]),
      );
      return (Array.isArray(y) ? y[0]! : y).dataSync();
    });
    out.set(rows, start * dim);
  }
  return out;
}

export interface DownstreamResult {
  metrics: Record<string, number>;
  /** The linear probe of each label share, in the order of config.labelFractions. */
  probes: { fraction: number; probe: TrainedLinearProbe; rows: Uint32Array }[];
}

export type DownstreamConfig = Pick<TrainConfig, 'labelFractions' | 'probeEpochs' | 'seed'>;

/** Embeddings of the train and test splits (any encoder: a tfjs model or an ONNX session). */
export function downstreamMetrics(
  train: Embeddings,
  test: Embeddings,
  classes: number,
  c: DownstreamConfig,
  log: (line: string) => void = () => {},
): DownstreamResult {
  const metrics: Record<string, number> = {};
  const probes: DownstreamResult['probes'] = [];
  if (c.probeEpochs > 0) {
    for (const fraction of c.labelFractions) {
      const rows = labelledSubset(train.labels, fraction, c.seed);
      const probe = trainLinearProbe(selectRows(train, rows), {
        classes,
        epochs: c.probeEpochs,
        seed: c.seed,
      });
      metrics[`linearProbeAccuracy_${shareName(fraction)}`] = linearProbeAccuracy(probe, test);
      probes.push({ fraction, probe, rows });
      log(
        `linear probe, ${shareName(fraction)} of the labels (${rows.length}): test accuracy ${metrics[`linearProbeAccuracy_${shareName(fraction)}`]!.toFixed(4)}`,
      );
    }
  }
  metrics.knnAccuracy = knnAccuracy(train, test, KNN_K);
  // k-means on the test embeddings themselves, as the lecture clusters a set it has no labels for.
  const testCount = test.features.length / test.dim;
  if (testCount >= classes) {
    const clusters = kmeans(test.features, test.dim, {
      k: classes,
      restarts: 3,
      maxIterations: 100,
      tolerance: 1e-4,
      seed: c.seed,
    }).assignments;
    metrics.kmeansAccuracy = clusteringAccuracy(clusters, test.labels);
    metrics.kmeansNmi = normalizedMutualInformation(clusters, test.labels);
  }
  log(
    `kNN (k = ${KNN_K}) ${metrics.knnAccuracy.toFixed(4)}  k-means ACC ${metrics.kmeansAccuracy?.toFixed(4)}  NMI ${metrics.kmeansNmi?.toFixed(4)}`,
  );
  return { metrics, probes };
}

/** The embeddings of both splits from one encoder. */
export function splitEmbeddings(
  embed: (images: Float32Array) => Float32Array,
  data: { train: Dataset; test: Dataset },
): { train: Embeddings; test: Embeddings } {
  const train = embed(data.train.images);
  const test = embed(data.test.images);
  const dim = train.length / data.train.count;
  return {
    train: { features: train, labels: data.train.labels, dim },
    test: { features: test, labels: data.test.labels, dim },
  };
}

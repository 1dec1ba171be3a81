// Downstream evaluation of frozen features, the lecture's payoff of a pretext task ("not as much
// labelled data"): a linear probe (multinomial logistic regression on the embedding, the protocol of
// Zhang, Isola & Efros 2016 and SimCLR §4) trained with a share of the labels, and a k-nearest-neighbour
// classifier with cosine similarity (Wu et al. 2018, the kNN monitor of contrastive learning).
// Pure functions of Float32Array embeddings (rows of `dim`) and integer labels.
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../worker/contract/rng';
import { shuffleInPlace } from '../data/batches';

/** k of the kNN classifier (the k = 20). */
export const KNN_K = 20;

export interface Embeddings {
  /** count × dim, row-major. */
  features: Float32Array;
  labels: ArrayLike<number>;
  dim: number;
}

/**
 * A class-balanced, seeded share of the examples: from each class round(fraction · n_c) (at least one)
 * drawn without replacement. Sorted ascending. fraction 1 keeps everything.
 */
export function labelledSubset(labels: ArrayLike<number>, fraction: number, seed: number): Uint32Array {
  if (!(fraction > 0 && fraction <= 1))
    throw new RangeError(`label fraction must be in (0, 1], got ${fraction}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]!) ?? [];
    list.push(i);
    byClass.set(labels[i]!, list);
  }
  const rng = createRng(seed);
  const picked: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = Uint32Array.from(byClass.get(cls)!);
    const take = Math.max(1, Math.round(fraction * members.length));
    picked.push(...shuffleInPlace(members, rng).subarray(0, take));
  }
  return Uint32Array.from(picked.sort((a, b) => a - b));
}

/** Rows `indices` of an embedding set. */
export function selectRows(e: Embeddings, indices: Uint32Array): Embeddings {
  const features = new Float32Array(indices.length * e.dim);
  const labels = new Int32Array(indices.length);
  indices.forEach((row, k) => {
    features.set(e.features.subarray(row * e.dim, (row + 1) * e.dim), k * e.dim);
    labels[k] = e.labels[row]!;
  });
  return { features, labels, dim: e.dim };
}

/** logits = x·W + b, in the raw feature space (standardisation folded in), W is dim × classes. */
export interface LinearProbe {
  weights: Float32Array;
  bias: Float32Array;
  dim: number;
  classes: number;
}

export interface TrainedLinearProbe extends LinearProbe {
  steps: number;
  /** Mean cross-entropy (without the penalty) on the training rows at the end. */
  trainLoss: number;
}

export interface LinearProbeOptions {
  classes: number;
  /** Passes over the training rows; the probe takes at least `minSteps` steps (small label shares). */
  epochs: number;
  seed: number;
  batchSize?: number;
  learningRate?: number;
  /** L2 penalty λ‖W‖² (on the standardised features). */
  weightDecay?: number;
  minSteps?: number;
}

/**
 * Multinomial logistic regression by Adam on the cross-entropy. Features are standardised with the
 * training rows' mean and standard deviation (ReLU features of very different scales would otherwise
 * need a tuned step size); the result is folded back so the probe applies to raw embeddings. The loss
 * is convex and the weights start at zero, so the result depends only on the seed of the batch order.
 */
export function trainLinearProbe(train: Embeddings, o: LinearProbeOptions): TrainedLinearProbe {
  const { dim } = train;
  const n = train.features.length / dim;
  const batchSize = Math.min(o.batchSize ?? 256, n);
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d]! += train.features[i * dim + d]! / n;
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) std[d]! += (train.features[i * dim + d]! - mean[d]!) ** 2 / n;
  for (let d = 0; d < dim; d++) std[d] = Math.max(Math.sqrt(std[d]!), 1e-3); // dead ReLU units stay 0
  const x = tf.tidy(() =>
    tf.div(tf.sub(tf.tensor2d(train.features, [n, dim]), tf.tensor1d(mean)), tf.tensor1d(std)),
  );
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(train.labels), 'int32'), o.classes));
  // tf.variable shares its initial tensor's data: free the zeros, the variable keeps the buffer.
  const zeros = [tf.zeros([dim, o.classes]), tf.zeros([o.classes])] as const;
  const w = tf.variable(zeros[0], true);
  const b = tf.variable(zeros[1], true);
  tf.dispose([...zeros]);
  const optimizer = tf.train.adam(o.learningRate ?? 1e-2);
  const lambda = o.weightDecay ?? 1e-4;
  const rng = createRng(o.seed);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const perEpoch = Math.ceil(n / batchSize);
  const steps = o.epochs === 0 ? 0 : Math.max(o.epochs * perEpoch, o.minSteps ?? 500);
  try {
    for (let step = 0; step < steps; step++) {
      if (step % perEpoch === 0) shuffleInPlace(order, rng);
      const from = (step % perEpoch) * batchSize;
      const rows = tf.tensor1d(Int32Array.from(order.subarray(from, Math.min(n, from + batchSize))), 'int32');
      optimizer.minimize(
        () => {
          const logits = tf.add(tf.matMul(tf.gather(x, rows), w), b);
          const ce = tf.losses.softmaxCrossEntropy(tf.gather(y, rows), logits);
          return tf.add(ce, tf.mul(lambda, tf.sum(tf.square(w)))) as tf.Scalar;
        },
        false,
        [w, b],
      );
      rows.dispose();
    }
    const trainLoss = tf.tidy(
      () => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(x, w), b)).dataSync()[0]!,
    );
    const ws = w.dataSync();
    const bs = b.dataSync();
    // W' = W / σ (row-wise), b' = b − Σ_d μ_d/σ_d · W_d
    const weights = new Float32Array(dim * o.classes);
    const bias = Float32Array.from(bs);
    for (let d = 0; d < dim; d++) {
      for (let c = 0; c < o.classes; c++) {
        weights[d * o.classes + c] = ws[d * o.classes + c]! / std[d]!;
        bias[c]! -= (mean[d]! / std[d]!) * ws[d * o.classes + c]!;
      }
    }
    return { weights, bias, dim, classes: o.classes, steps, trainLoss };
  } finally {
    tf.dispose([x, y, w, b]);
    optimizer.dispose();
  }
}

/** softmax(x·W + b) for every row, count × classes. */
export function probeProbabilities(probe: LinearProbe, features: Float32Array): Float32Array {
  const n = features.length / probe.dim;
  return tf.tidy(() => {
    const logits = tf.add(
      tf.matMul(
        tf.tensor2d(features, [n, probe.dim]),
        tf.tensor2d(probe.weights, [probe.dim, probe.classes]),
      ),
      tf.tensor1d(probe.bias),
    );
    return tf.softmax(logits).dataSync() as Float32Array;
  });
}

/** Index of the largest value in each row of `classes` values (first on ties). */
export function argmaxRows(values: Float32Array, classes: number): Int32Array {
  return Int32Array.from({ length: values.length / classes }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[i * classes + c]! > values[i * classes + best]!) best = c;
    return best;
  });
}

export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length)
    throw new Error(`accuracy: ${predicted.length} predictions, ${labels.length} labels`);
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}

export function linearProbeAccuracy(probe: LinearProbe, test: Embeddings): number {
  return accuracy(argmaxRows(probeProbabilities(probe, test.features), probe.classes), test.labels);
}

function unitRows(features: Float32Array, dim: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.tensor2d(features, [features.length / dim, dim]);
    return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
  });
}

/**
 * kNN accuracy: each test row takes the majority label of its k most cosine-similar training rows
 * (a tie goes to the class with the larger summed similarity). Similarities are computed in blocks
 * of test rows, so memory stays at block × N.
 */
export function knnAccuracy(train: Embeddings, test: Embeddings, k = KNN_K, block = 256): number {
  if (train.dim !== test.dim) throw new Error(`kNN: train dim ${train.dim} ≠ test dim ${test.dim}`);
  const nTrain = train.features.length / train.dim;
  const kk = Math.min(k, nTrain);
  // Transposed once: the wasm backend's matMul is much faster without transposeB.
  const database = tf.tidy(() => tf.transpose(unitRows(train.features, train.dim)));
  const nTest = test.features.length / test.dim;
  const predicted = new Int32Array(nTest);
  try {
    for (let start = 0; start < nTest; start += block) {
      const end = Math.min(nTest, start + block);
      const { values, indices } = tf.tidy(() => {
        const q = unitRows(test.features.subarray(start * test.dim, end * test.dim), test.dim);
        const top = tf.topk(tf.matMul(q, database), kk);
        return { values: top.values.dataSync(), indices: top.indices.dataSync() };
      });
      for (let i = 0; i < end - start; i++) {
        const votes = new Map<number, { count: number; similarity: number }>();
        for (let j = 0; j < kk; j++) {
          const label = train.labels[indices[i * kk + j]!]!;
          const v = votes.get(label) ?? { count: 0, similarity: 0 };
          v.count++;
          v.similarity += values[i * kk + j]!;
          votes.set(label, v);
        }
        let best = -1;
        let bestVote = { count: -1, similarity: Number.NEGATIVE_INFINITY };
        for (const [label, v] of votes) {
          if (
            v.count > bestVote.count ||
            (v.count === bestVote.count && v.similarity > bestVote.similarity)
          ) {
            best = label;
            bestVote = v;
          }
        }
        predicted[start + i] = best;
      }
    }
  } finally {
    database.dispose();
  }
  return accuracy(predicted, test.labels);
}

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import {
  accuracy,
  argmaxRows,
  type Embeddings,
  knnAccuracy,
  labelledSubset,
  linearProbeAccuracy,
  probeProbabilities,
  selectRows,
  trainLinearProbe,
} from '../../../train/eval/probe';
import { createRng } from '../../../worker/contract/rng';

/** Three linearly separable classes in 4-d: a large offset along axis c, plus noise and a constant shift. */
function toy(count: number, seed: number): Embeddings {
  const rng = createRng(seed);
  const dim = 4;
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    for (let d = 0; d < dim; d++) features[i * dim + d] = 5 + rng.normal(0, 0.3) + (d === labels[i] ? 3 : 0);
  }
  return { features, labels, dim };
}

describe('labelledSubset', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 700 ? i % 2 : 2));
  it('takes the share from every class, seeded and sorted', () => {
    const rows = labelledSubset(labels, 0.1, 4);
    const count = (c: number) => rows.filter((r) => labels[r] === c).length;
    expect([count(0), count(1), count(2)]).toEqual([35, 35, 30]);
    expect(rows).toEqual(labelledSubset(labels, 0.1, 4));
    expect(rows).not.toEqual(labelledSubset(labels, 0.1, 5));
    expect([...rows]).toEqual([...rows].sort((a, b) => a - b));
    expect(labelledSubset(labels, 1, 4)).toEqual(Uint32Array.from({ length: 1000 }, (_, i) => i));
  });
  it('keeps at least one example of a class and rejects a share outside (0, 1]', () => {
    expect(labelledSubset(Int32Array.from([0, 0, 0, 1]), 0.01, 1).length).toBe(2);
    expect(() => labelledSubset(labels, 0, 1)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: label fraction must be in (0, 1], got 0]`,
    );
  });
});

describe('linear probe and kNN on a separable toy problem', () => {
  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
  });
  const train = toy(300, 1);
  const test = toy(150, 2);

  it('the linear probe separates it, and its folded weights apply to raw features', () => {
    const before = tf.memory().numTensors;
    const probe = trainLinearProbe(train, { classes: 3, epochs: 20, seed: 1, minSteps: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expect(linearProbeAccuracy(probe, test)).toBe(1);
    expect(probe.trainLoss).toBeLessThan(0.25);
    expect(probe.steps).toBe(100); // 20 epochs of 2 batches, raised to minSteps
    const p = probeProbabilities(probe, test.features);
    expect(p.length).toBe(150 * 3);
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 5);
    // Same data, same seed: the same probe.
    expect(trainLinearProbe(train, { classes: 3, epochs: 20, seed: 1, minSteps: 100 }).weights).toEqual(
      probe.weights,
    );
  });

  it('learns from a 2% labelled subset too', () => {
    const few = selectRows(train, labelledSubset(train.labels, 0.02, 3));
    expect(few.labels.length).toBe(6);
    expect(linearProbeAccuracy(trainLinearProbe(few, { classes: 3, epochs: 10, seed: 1 }), test)).toBe(1);
  });

  it('kNN with cosine similarity gets the toy problem right, and a single neighbour decides at k = 1', () => {
    const before = tf.memory().numTensors;
    expect(knnAccuracy(train, test, 20, 64)).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    const two: Embeddings = { features: Float32Array.from([1, 0, 0, 1]), labels: [7, 9], dim: 2 };
    const query: Embeddings = { features: Float32Array.from([2, 0.1, 0.1, 3]), labels: [7, 9], dim: 2 };
    expect(knnAccuracy(two, query, 1)).toBe(1);
  });

  it('accuracy and argmax', () => {
    expect(argmaxRows(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.5, 0]), 3)).toEqual(Int32Array.from([1, 0]));
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
  });
});

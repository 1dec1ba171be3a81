// The two text pretext losses: a naive loop, one value by hand, input checks and no leaks.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maskedWordLoss } from '../../../train/losses/text-masked-words';
import { wordOrderLoss } from '../../../train/losses/text-word-order';

const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const lse = Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m;
  return row.map((v) => v - lse);
};
const wave = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed + i * 1.3) * 3);

describe('maskedWordLoss', () => {
  it('matches a naive loop over the masked positions', () => {
    const rows = [wave(7, 1), wave(7, 2), wave(7, 3)];
    const targets = [4, 0, 6];
    const naive = -rows.reduce((s, row, m) => s + logSoftmax(row)[targets[m]!]!, 0) / rows.length;
    const got = tf.tidy(
      () => maskedWordLoss(tf.tensor2d(rows), tf.tensor1d(targets, 'int32')).dataSync()[0]!,
    );
    expect(got).toBeCloseTo(naive, 5);
  });

  it('is log V for uniform logits (by hand: every word equally likely)', () => {
    const got = tf.tidy(() => maskedWordLoss(tf.zeros([2, 50]), tf.tensor1d([3, 9], 'int32')).dataSync()[0]!);
    expect(got).toBeCloseTo(Math.log(50), 5);
  });

  it('rejects mismatched shapes, float targets and an empty batch', () => {
    tf.tidy(() => {
      expect(() =>
        maskedWordLoss(tf.zeros([2, 5]), tf.tensor1d([1], 'int32')),
      ).toThrowErrorMatchingInlineSnapshot(`[RangeError: maskedWordLoss: 2 rows of logits but 1 targets]`);
      expect(() => maskedWordLoss(tf.zeros([1, 5]), tf.tensor1d([1]))).toThrow(/targets must be int32/);
      expect(() => maskedWordLoss(tf.zeros([0, 5]), tf.tensor1d([], 'int32'))).toThrow(/at least one masked/);
    });
  });

  it('does not leak tensors', () => {
    const logits = tf.tensor2d([wave(5, 1)]);
    const targets = tf.tensor1d([2], 'int32');
    const before = tf.memory().numTensors;
    maskedWordLoss(logits, targets).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, targets]);
  });
});

describe('wordOrderLoss', () => {
  const l = 4;
  const lengths = [3, 4];
  const logits = Array.from({ length: 2 }, (_, i) =>
    Array.from({ length: l }, (_, j) => wave(l, i * 10 + j)),
  );
  const targets = [
    [2, 0, 1, 0],
    [3, 1, 0, 2],
  ];

  it('matches a naive loop over the real tokens and the positions inside each sentence', () => {
    let sum = 0;
    let count = 0;
    lengths.forEach((n, i) => {
      for (let j = 0; j < n; j++) {
        sum += logSoftmax(logits[i]![j]!.slice(0, n))[targets[i]![j]!]!;
        count++;
      }
    });
    const got = tf.tidy(
      () =>
        wordOrderLoss(
          tf.tensor3d(logits),
          tf.tensor2d(targets, undefined, 'int32'),
          tf.tensor1d(lengths, 'int32'),
        ).dataSync()[0]!,
    );
    expect(got).toBeCloseTo(-sum / count, 5);
  });

  it('is the mean of log nᵢ over tokens for uniform logits (by hand: (3·log 3 + 4·log 4) / 7)', () => {
    const got = tf.tidy(
      () =>
        wordOrderLoss(
          tf.zeros([2, l, l]),
          tf.tensor2d(targets, undefined, 'int32'),
          tf.tensor1d(lengths, 'int32'),
        ).dataSync()[0]!,
    );
    expect(got).toBeCloseTo((3 * Math.log(3) + 4 * Math.log(4)) / 7, 5);
  });

  it('ignores [PAD] slots and positions beyond the sentence, whatever their logits', () => {
    const noisy = logits.map((sentence, i) =>
      sentence.map((row, j) =>
        row.map((v, p) => (j >= lengths[i]! || p >= lengths[i]! ? v + 1000 * (p + 1) : v)),
      ),
    );
    const [a, b] = tf.tidy(() =>
      [logits, noisy].map(
        (x) =>
          wordOrderLoss(
            tf.tensor3d(x),
            tf.tensor2d(targets, undefined, 'int32'),
            tf.tensor1d(lengths, 'int32'),
          ).dataSync()[0]!,
      ),
    );
    expect(b).toBeCloseTo(a!, 4);
  });

  it('rejects logits that are not [N, L, L] and does not leak tensors', () => {
    tf.tidy(() => {
      expect(() =>
        wordOrderLoss(tf.zeros([1, 3, 4]), tf.zeros([1, 3], 'int32'), tf.tensor1d([3], 'int32')),
      ).toThrowErrorMatchingInlineSnapshot(
        `[RangeError: wordOrderLoss: logits must be [N, L, L], got [1,3,4]]`,
      );
    });
    const x = tf.tensor3d(logits);
    const t = tf.tensor2d(targets, undefined, 'int32');
    const n = tf.tensor1d(lengths, 'int32');
    const before = tf.memory().numTensors;
    wordOrderLoss(x, t, n).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, t, n]);
  });
});

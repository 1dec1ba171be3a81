import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ntXentLoss } from '../../../train/losses/nt-xent';

/** The lecture's formula, one term at a time. */
function naiveNtXent(a: number[][], b: number[][], tau: number): number {
  const z = [...a, ...b];
  const n = a.length;
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const sim = (u: number[], v: number[]) => u.reduce((s, x, k) => s + x * v[k]!, 0) / (norm(u) * norm(v));
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const j = i < n ? i + n : i - n;
    let denominator = 0;
    for (let k = 0; k < 2 * n; k++) if (k !== i) denominator += Math.exp(sim(z[i]!, z[k]!) / tau);
    total += -Math.log(Math.exp(sim(z[i]!, z[j]!) / tau) / denominator);
  }
  return total / (2 * n);
}

const rows = (n: number, d: number, seed: number) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: d }, (_, k) => Math.sin(seed + i * 3.1 + k * 1.7)),
  );

describe('ntXentLoss', () => {
  it('matches a naive double loop', () => {
    for (const tau of [0.1, 0.5, 1]) {
      const a = rows(5, 4, 1);
      const b = rows(5, 4, 2);
      const got = tf.tidy(() => ntXentLoss(tf.tensor2d(a), tf.tensor2d(b), tau).dataSync()[0]!);
      expect(got).toBeCloseTo(naiveNtXent(a, b, tau), 4);
    }
  });

  it('identical views everywhere give −log(1/(2N−1))', () => {
    const same = Array.from({ length: 4 }, () => [1, 2, 3]);
    const got = tf.tidy(() => ntXentLoss(tf.tensor2d(same), tf.tensor2d(same), 0.5).dataSync()[0]!);
    expect(got).toBeCloseTo(-Math.log(1 / 7), 5);
  });

  it('rejects τ ≤ 0 and a batch smaller than 2, with a clear error', () => {
    const a = tf.tensor2d([[1, 0]]);
    const b = tf.tensor2d([
      [0, 1],
      [1, 1],
    ]);
    expect(() => ntXentLoss(b, b, 0)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: Illegal temperature 0: τ must be > 0]`,
    );
    expect(() => ntXentLoss(b, b, -1)).toThrow(/Illegal temperature -1/);
    expect(() => ntXentLoss(a, a, 0.5)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: NT-Xent needs a batch of at least 2 images (negatives), got 1]`,
    );
    tf.dispose([a, b]);
  });

  it('does not leak tensors', () => {
    const a = tf.tensor2d(rows(3, 4, 1));
    const before = tf.memory().numTensors;
    ntXentLoss(a, a, 0.5).dispose();
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });
});

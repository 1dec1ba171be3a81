import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { contractivePenalty } from '../../../train/losses/contractive';
import { negativeElbo } from '../../../train/losses/elbo';
import { l1SparsityPenalty } from '../../../train/losses/sparsity';

const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('l1SparsityPenalty', () => {
  it('is the batch mean of Σ|h| (hand-computed and naive loop)', () => {
    const h = tf.tensor2d([
      [1, -2, 0],
      [0.5, 0, -0.5],
    ]);
    expect(value(l1SparsityPenalty(h))).toBeCloseTo((3 + 1) / 2, 7);
    h.dispose();
  });
});

describe('contractivePenalty', () => {
  const D = 6;
  const K = 3;
  const W = Array.from({ length: D * K }, (_, i) => Math.sin(i * 0.9) * 0.8);
  const b = [0.1, -0.2, 0.05];
  const x = Array.from({ length: 2 * D }, (_, i) => (Math.cos(i * 1.3) + 1) / 2);
  const encode = (row: number[], act: 'sigmoid' | 'relu') =>
    Array.from({ length: K }, (_, j) => {
      const a = row.reduce((s, xi, i) => s + xi * W[i * K + j]!, b[j]!);
      return act === 'sigmoid' ? 1 / (1 + Math.exp(-a)) : Math.max(0, a);
    });

  it.each(['sigmoid', 'relu'] as const)('%s: equals ‖J‖²_F from a finite-difference Jacobian', (act) => {
    const eps = 1e-5;
    let expected = 0;
    for (let n = 0; n < 2; n++) {
      const row = x.slice(n * D, (n + 1) * D);
      for (let i = 0; i < D; i++) {
        const plus = [...row];
        const minus = [...row];
        plus[i]! += eps;
        minus[i]! -= eps;
        const hp = encode(plus, act);
        const hm = encode(minus, act);
        for (let j = 0; j < K; j++) expected += ((hp[j]! - hm[j]!) / (2 * eps)) ** 2;
      }
    }
    expected /= 2;
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const h = tf.tensor2d([encode(x.slice(0, D), act), encode(x.slice(D), act)]);
      return contractivePenalty(h, tf.tensor2d(W, [D, K]), act).dataSync()[0]!;
    });
    expect(got).toBeCloseTo(expected, 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('hand-computed: one unit, h = 0.5 → (0.25)²·Σ W²', () => {
    const got = tf.tidy(
      () => contractivePenalty(tf.tensor2d([[0.5]]), tf.tensor2d([[1], [2]]), 'sigmoid').dataSync()[0],
    );
    expect(got).toBeCloseTo(0.0625 * 5, 7);
  });
});

describe('negativeElbo', () => {
  it('hand-computed: logits 0, μ 0, log σ² 0 → D·log 2 nats and KL 0', () => {
    const r = tf.tidy(() => {
      const out = negativeElbo(
        tf.tensor2d([[1, 0, 1]]),
        tf.zeros([1, 3]),
        tf.zeros([1, 2]),
        tf.zeros([1, 2]),
      );
      return [out.loss, out.reconstruction, out.kl].map((t) => t.dataSync()[0]!);
    });
    expect(r[0]).toBeCloseTo(3 * Math.log(2), 6);
    expect(r[2]).toBeCloseTo(0, 7);
  });

  it('matches a naive loop (BCE on sigmoid probabilities + Gaussian KL)', () => {
    const x = [
      [0.2, 0.9, 0],
      [1, 0.5, 0.3],
    ];
    const logits = [
      [-1, 2, -3],
      [4, 0.1, -0.5],
    ];
    const mu = [
      [0.5, -1],
      [0, 2],
    ];
    const logVar = [
      [0.1, -0.3],
      [1, 0],
    ];
    let naive = 0;
    for (let n = 0; n < 2; n++) {
      for (let i = 0; i < 3; i++) {
        const p = 1 / (1 + Math.exp(-logits[n]![i]!));
        naive -= x[n]![i]! * Math.log(p) + (1 - x[n]![i]!) * Math.log(1 - p);
      }
      for (let j = 0; j < 2; j++) {
        naive += -0.5 * (1 + logVar[n]![j]! - mu[n]![j]! ** 2 - Math.exp(logVar[n]![j]!));
      }
    }
    const before = tf.memory().numTensors;
    const got = tf.tidy(
      () =>
        negativeElbo(
          tf.tensor2d(x),
          tf.tensor2d(logits),
          tf.tensor2d(mu),
          tf.tensor2d(logVar),
        ).loss.dataSync()[0]!,
    );
    expect(got).toBeCloseTo(naive / 2, 5);
    expect(tf.memory().numTensors).toBe(before);
  });
});

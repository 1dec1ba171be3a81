import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { meanSquaredError } from '../../../train/losses/reconstruction';

describe('meanSquaredError', () => {
  it('matches a hand-computed value', () => {
    // ((1-0)² + (0-0)² + (0.5-0)² + (0-0.5)²) / 4 = 1.5 / 4
    const x = tf.tensor2d([
      [1, 0],
      [0.5, 0],
    ]);
    const y = tf.tensor2d([
      [0, 0],
      [0, 0.5],
    ]);
    const before = tf.memory().numTensors;
    const loss = meanSquaredError(x, y);
    expect(loss.dataSync()[0]).toBeCloseTo(0.375, 7);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('matches a naive loop on random batches', () => {
    const n = 5;
    const d = 7;
    const a = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: n * d }, (_, i) => Math.cos(i * 0.7));
    let naive = 0;
    for (let i = 0; i < n * d; i++) naive += (a[i]! - b[i]!) ** 2;
    naive /= n * d;
    const loss = tf.tidy(
      () => meanSquaredError(tf.tensor2d(a, [n, d]), tf.tensor2d(b, [n, d])).dataSync()[0],
    );
    expect(loss).toBeCloseTo(naive, 6);
  });
});

// Sparse autoencoder: L_rec + λ‖h‖₁ on a ReLU code, so most code units are exactly zero per image.
import * as tf from '@tensorflow/tfjs';
import { l1SparsityPenalty } from '../losses/sparsity';
import { buildMlpAutoencoder } from '../models/mlp-autoencoder';
import { trainAutoencoder } from './autoencoder';
import type { Method } from './method';

/** A code unit counts as off when |h_j| is below this. */
export const NEAR_ZERO = 1e-3;

export const sparseAe: Method = {
  description: 'sparse autoencoder: L_rec + λ‖h‖₁ on a ReLU code (--sparsity-weight λ)',
  preset: { name: 'fmnist-sparse-ae', dataset: 'fashion-mnist', epochs: 20, bottleneck: 64 },
  run: (ctx) => {
    const c = ctx.config;
    return trainAutoencoder(ctx, {
      method: 'sparse-ae',
      description: `Sparse autoencoder 784→${c.hidden.join('→')}→${c.bottleneck} (ReLU code) with L_rec + λ‖h‖₁, λ = ${c.sparsityWeight}`,
      model: buildMlpAutoencoder({
        inputDim: 784,
        hidden: c.hidden,
        bottleneck: c.bottleneck,
        codeActivation: 'relu',
        seed: c.seed,
      }).model,
      penalty: (h) => tf.mul(c.sparsityWeight, l1SparsityPenalty(h)) as tf.Scalar,
      tasks: ['embed', 'reconstruct'],
      extraMetrics: (apply, test) => {
        const off = tf.tidy(() => {
          const [h] = apply(tf.tensor2d(test.images, [test.count, 784]));
          return tf.mean(tf.cast(tf.less(tf.abs(h), NEAR_ZERO), 'float32')).dataSync()[0]!;
        });
        return { nearZeroCodeFraction: off };
      },
    });
  },
};

// Denoising autoencoder (Vincent et al. 2008): corrupt x into x̃, train on L(x, g(f(x̃))). Serves
// /v1/denoise. Reports PSNR of the noisy input and of the denoised output on the test split.
import * as tf from '@tensorflow/tfjs';
import { type CorruptionSpec, corrupt } from '../../worker/contract/corruptions';
import { meanSquaredError } from '../../worker/contract/reconstruction-error';
import { createRng } from '../../worker/contract/rng';
import { psnrFromMse } from '../eval/reconstruction';
import { buildMlpAutoencoder } from '../models/mlp-autoencoder';
import { trainAutoencoder } from './autoencoder';
import type { Method } from './method';

/** The noise settings every DAE is evaluated at (issue: σ = 0.3 and 0.5, masking p = 0.5). */
export const DENOISING_EVALUATION: readonly CorruptionSpec[] = [
  { kind: 'gaussian', level: 0.3 },
  { kind: 'gaussian', level: 0.5 },
  { kind: 'masking', level: 0.5 },
];

export const dae: Method = {
  description:
    'denoising autoencoder: train on (x̃, x) with --corruption gaussian|masking|salt-and-pepper at --noise-level',
  preset: {
    name: 'fmnist-dae',
    dataset: 'fashion-mnist',
    epochs: 20,
    corruption: 'gaussian',
    noiseLevel: 0.4,
  },
  run: (ctx) => {
    const c = ctx.config;
    return trainAutoencoder(ctx, {
      method: 'dae',
      description: `Denoising MLP autoencoder 784→${c.hidden.join('→')}→${c.bottleneck}→…→784 trained on ${c.corruption} corruption (level ${c.noiseLevel})`,
      model: buildMlpAutoencoder({ inputDim: 784, hidden: c.hidden, bottleneck: c.bottleneck, seed: c.seed })
        .model,
      corruption: { kind: c.corruption, level: c.noiseLevel },
      tasks: ['denoise', 'embed', 'reconstruct'],
      extraMetrics: (apply, test) => {
        const metrics: Record<string, number> = {};
        for (const spec of DENOISING_EVALUATION) {
          const noisy = corrupt(test.images, spec, createRng(12345));
          const denoised = tf.tidy(
            () => apply(tf.tensor2d(noisy, [test.count, 784]))[1].dataSync() as Float32Array,
          );
          const key = `${spec.kind}${spec.level}`;
          metrics[`psnrNoisy_${key}`] = psnrFromMse(meanSquaredError(noisy, test.images));
          metrics[`psnrDenoised_${key}`] = psnrFromMse(meanSquaredError(denoised, test.images));
          metrics[`psnrGain_${key}`] = metrics[`psnrDenoised_${key}`]! - metrics[`psnrNoisy_${key}`]!;
        }
        return metrics;
      },
    });
  },
};

// Undercomplete MLP autoencoder: the lecture's hourglass, L(x, g(f(x))) through a 32-unit code.
import { buildMlpAutoencoder } from '../models/mlp-autoencoder';
import { trainAutoencoder } from './autoencoder';
import type { Method } from './method';

export const ae: Method = {
  description: 'undercomplete MLP autoencoder (784→512→128→32→…→784), MSE reconstruction loss',
  preset: { name: 'mnist-mlp-ae', dataset: 'mnist', epochs: 30 },
  run: (ctx) => {
    const c = ctx.config;
    return trainAutoencoder(ctx, {
      method: 'ae',
      description: `Undercomplete MLP autoencoder 784→${c.hidden.join('→')}→${c.bottleneck} (mirrored decoder, sigmoid output), MSE reconstruction loss`,
      model: buildMlpAutoencoder({ inputDim: 784, hidden: c.hidden, bottleneck: c.bottleneck, seed: c.seed })
        .model,
      tasks: ['embed', 'reconstruct'],
    });
  },
};

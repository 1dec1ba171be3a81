// Convolutional undercomplete autoencoder: same loss, convolutional encoder/decoder.
import { buildConvAutoencoder } from '../models/conv-autoencoder';
import { trainAutoencoder } from './autoencoder';
import type { Method } from './method';

export const convAe: Method = {
  description: 'convolutional autoencoder (conv s2 ×2 → dense code → transposed conv s2 ×2), MSE loss',
  preset: { name: 'fmnist-conv-ae', dataset: 'fashion-mnist', epochs: 15, batchSize: 128 },
  run: (ctx) => {
    const c = ctx.config;
    const [f1 = 32, f2 = 64] = c.convFilters;
    return trainAutoencoder(ctx, {
      method: 'conv-ae',
      description: `Convolutional autoencoder: 28×28 → conv3×3/2 (${f1}) → conv3×3/2 (${f2}) → dense ${c.bottleneck} → dense 7·7·${f2} → convT3×3/2 (${f1}) → convT3×3/2 (1, sigmoid); MSE loss`,
      model: buildConvAutoencoder({ filters: [f1, f2], bottleneck: c.bottleneck, seed: c.seed }),
      tasks: ['embed', 'reconstruct'],
    });
  },
};

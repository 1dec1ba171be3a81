// Contractive autoencoder (Rifai et al. 2011): L_rec + λ‖∂h/∂x‖²_F with a one-layer sigmoid encoder,
// whose Jacobian penalty has an exact closed form (losses/contractive.ts).
import * as tf from '@tensorflow/tfjs';
import { contractivePenalty } from '../losses/contractive';
import { buildMlpAutoencoder } from '../models/mlp-autoencoder';
import { trainAutoencoder } from './autoencoder';
import type { Method } from './method';

export const contractiveAe: Method = {
  description:
    'contractive autoencoder: L_rec + λ‖∂h/∂x‖²_F, one-layer sigmoid encoder (--contractive-weight λ)',
  preset: { name: 'fmnist-contractive-ae', dataset: 'fashion-mnist', epochs: 20, hidden: [512] },
  run: (ctx) => {
    const c = ctx.config;
    const model = buildMlpAutoencoder({
      inputDim: 784,
      hidden: [],
      decoderHidden: c.hidden,
      bottleneck: c.bottleneck,
      codeActivation: 'sigmoid',
      seed: c.seed,
    }).model;
    const kernel = () => model.getLayer('embedding').trainableWeights[0]!.read() as tf.Tensor2D;
    return trainAutoencoder(ctx, {
      method: 'contractive-ae',
      description: `Contractive autoencoder: encoder 784→${c.bottleneck} (sigmoid), decoder ${c.bottleneck}→${c.hidden.join('→')}→784; L_rec + λ‖∂h/∂x‖²_F, λ = ${c.contractiveWeight}`,
      model,
      penalty: (h) => tf.mul(c.contractiveWeight, contractivePenalty(h, kernel(), 'sigmoid')) as tf.Scalar,
      tasks: ['embed', 'reconstruct'],
      extraMetrics: (apply, test) => ({
        jacobianFrobeniusSq: tf.tidy(() => {
          const [h] = apply(tf.tensor2d(test.images, [test.count, 784]));
          return contractivePenalty(h, kernel(), 'sigmoid').dataSync()[0]!;
        }),
      }),
    });
  },
};

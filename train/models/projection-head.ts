// The projection head g(·) of SimCLR (Chen et al. 2020, §2.1): an MLP with one hidden ReLU layer
// between the representation h and the space z where the contrastive loss is applied; optionally
// with batch norm before that ReLU, as SimCLR v2 (Chen et al. 2020b, §2) and most reimplementations
// use it.
import * as tf from '@tensorflow/tfjs';
import { batchNorm } from './batch-norm';

export interface ProjectionHeadOptions {
  inputDim: number;
  hiddenDim: number;
  outputDim: number;
  seed: number;
  batchNorm?: boolean;
}

/** SimCLR's preset for small images: 2-layer MLP, z of 64 dimensions. */
export const SIMCLR_SMALL_HEAD = { hiddenDim: 128, outputDim: 64 } as const;

export function buildProjectionHead(o: ProjectionHeadOptions): tf.LayersModel {
  const hidden = tf.layers.dense({
    inputShape: [o.inputDim],
    units: o.hiddenDim,
    activation: o.batchNorm ? 'linear' : 'relu',
    useBias: !o.batchNorm,
    kernelInitializer: tf.initializers.heNormal({ seed: o.seed }),
  });
  return tf.sequential({
    name: 'projection_head',
    layers: [
      hidden,
      ...(o.batchNorm ? [batchNorm({ relu: true })] : []),
      tf.layers.dense({
        units: o.outputDim,
        kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 1 }),
      }),
    ],
  });
}

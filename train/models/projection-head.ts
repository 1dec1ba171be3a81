// The projection head g(·) of SimCLR (Chen et al. 2020, §2.1): an MLP with one hidden ReLU layer
// between the representation h and the space z where the contrastive loss is applied.
import * as tf from '@tensorflow/tfjs';

export interface ProjectionHeadOptions {
  inputDim: number;
  hiddenDim: number;
  outputDim: number;
  seed: number;
}

/** SimCLR's preset for small images: 2-layer MLP, z of 64 dimensions. */
export const SIMCLR_SMALL_HEAD = { hiddenDim: 128, outputDim: 64 } as const;

export function buildProjectionHead(o: ProjectionHeadOptions): tf.LayersModel {
  return tf.sequential({
    name: 'projection_head',
    layers: [
      tf.layers.dense({
        inputShape: [o.inputDim],
        units: o.hiddenDim,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: o.seed }),
      }),
      tf.layers.dense({
        units: o.outputDim,
        kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 1 }),
      }),
    ],
  });
}

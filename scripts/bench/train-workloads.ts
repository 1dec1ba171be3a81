// The three training workloads of `npm run bench:train`, built from the methods' own presets,
// builders, losses and optimizer, so the benchmark measures what training actually runs; `spec`
// describes the same architectures to the PyTorch baseline (torch_train.py).
import * as tf from '@tensorflow/tfjs';
import { TrainConfigSchema } from '../../train/config/schema';
import { Adam, trainableVariables } from '../../train/loop/adam';
import { ntXentLoss } from '../../train/losses/nt-xent';
import { meanSquaredError } from '../../train/losses/reconstruction';
import { METHODS } from '../../train/methods/index';
import { buildConvAutoencoder } from '../../train/models/conv-autoencoder';
import { buildConvEncoder } from '../../train/models/conv-encoder';
import { buildMlpAutoencoder } from '../../train/models/mlp-autoencoder';
import { buildProjectionHead } from '../../train/models/projection-head';

export interface Workload {
  /** Images consumed per optimizer step (SimCLR: both views of each image count). */
  samplesPerStep: number;
  /** Forward pass and loss only (inside the caller's tidy). */
  loss: () => tf.Scalar;
  optimizer: Adam;
  step: () => void;
  dispose: () => void;
}

const preset = (method: keyof typeof METHODS) => TrainConfigSchema.parse(METHODS[method]!.preset);
const ae = preset('ae');
const convAe = preset('conv-ae');
const simclr = preset('simclr');

export const WORKLOADS = {
  'mlp-ae': {
    label: `MLP AE 784-${ae.hidden.join('-')}-${ae.bottleneck}-…-784, batch ${ae.batchSize}`,
    spec: { kind: 'mlp-ae', batch: ae.batchSize, hidden: ae.hidden, bottleneck: ae.bottleneck },
  },
  'conv-ae': {
    label: `conv AE ${convAe.convFilters.join('-')} filters, code ${convAe.bottleneck}, batch ${convAe.batchSize}`,
    spec: {
      kind: 'conv-ae',
      batch: convAe.batchSize,
      filters: convAe.convFilters,
      bottleneck: convAe.bottleneck,
    },
  },
  simclr: {
    label: `SimCLR encoder ${simclr.convFilters.join('-')} + BN + flatten → ${simclr.representationDim}, head ${simclr.projectionHidden}-${simclr.projectionDim}, 2×${simclr.batchSize} views, NT-Xent`,
    spec: {
      kind: 'simclr',
      batch: simclr.batchSize,
      filters: simclr.convFilters,
      width: simclr.representationDim,
      hidden: simclr.projectionHidden,
      out: simclr.projectionDim,
      tau: simclr.temperature,
    },
  },
} as const;
export type WorkloadName = keyof typeof WORKLOADS;

function workload(
  models: tf.LayersModel[],
  samplesPerStep: number,
  loss: () => tf.Scalar,
  inputs: tf.Tensor[],
): Workload {
  const optimizer = new Adam(models.flatMap(trainableVariables), { learningRate: 1e-3 });
  return {
    samplesPerStep,
    loss,
    optimizer,
    step: () => {
      const value = optimizer.minimize(loss);
      value.dataSync();
      value.dispose();
    },
    dispose: () => {
      tf.dispose(inputs);
      optimizer.dispose();
      for (const m of models) m.dispose();
    },
  };
}

function reconstruction(model: tf.LayersModel, batch: number): Workload {
  const x = tf.randomUniform([batch, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
  const loss = () =>
    meanSquaredError(x, (model.apply(x, { training: true }) as tf.Tensor[])[1] as tf.Tensor2D);
  return workload([model], batch, loss, [x]);
}

export function buildWorkload(name: WorkloadName): Workload {
  if (name === 'mlp-ae')
    return reconstruction(
      buildMlpAutoencoder({ inputDim: 784, hidden: ae.hidden, bottleneck: ae.bottleneck, seed: 1 }).model,
      ae.batchSize,
    );
  if (name === 'conv-ae') {
    const [f1 = 32, f2 = 64] = convAe.convFilters;
    return reconstruction(
      buildConvAutoencoder({ filters: [f1, f2], bottleneck: convAe.bottleneck, seed: 1 }),
      convAe.batchSize,
    );
  }
  const n = simclr.batchSize;
  const encoder = buildConvEncoder({ filters: simclr.convFilters, width: simclr.representationDim, seed: 1 });
  const head = buildProjectionHead({
    inputDim: simclr.representationDim,
    hiddenDim: simclr.projectionHidden,
    outputDim: simclr.projectionDim,
    seed: 2,
  });
  // Both views in one batch, as the method trains (batch norm sees all 2N views).
  const views = tf.randomUniform([2 * n, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
  const loss = () => {
    const z = head.apply(encoder.apply(views, { training: true }) as tf.Tensor, {
      training: true,
    }) as tf.Tensor2D;
    return ntXentLoss(tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1]), simclr.temperature);
  };
  return workload([encoder, head], 2 * n, loss, [views]);
}

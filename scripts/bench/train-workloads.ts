// The three training workloads of `npm run bench:train`, built from the project's own builders and
// losses so the benchmark measures what training actually runs.
import * as tf from '@tensorflow/tfjs';
import { Adam, trainableVariables } from '../../train/loop/adam';
import { ntXentLoss } from '../../train/losses/nt-xent';
import { meanSquaredError } from '../../train/losses/reconstruction';
import { buildConvAutoencoder } from '../../train/models/conv-autoencoder';
import { buildConvEncoder } from '../../train/models/conv-encoder';
import { buildMlpAutoencoder } from '../../train/models/mlp-autoencoder';
import { buildProjectionHead, SIMCLR_SMALL_HEAD } from '../../train/models/projection-head';

export interface Workload {
  /** Images consumed per optimizer step. */
  samplesPerStep: number;
  step: () => void;
  dispose: () => void;
}

export const WORKLOADS = {
  'mlp-ae': { label: 'MLP AE 784-512-128-32-128-512-784, batch 256', batch: 256 },
  'conv-ae': { label: 'conv AE 32-64 filters, code 32, batch 128', batch: 128 },
  simclr: { label: 'SimCLR conv encoder 32-64-128 + head, 2×128 views, NT-Xent', batch: 128 },
} as const;
export type WorkloadName = keyof typeof WORKLOADS;

function reconstructionWorkload(model: tf.LayersModel, batch: number): Workload {
  const optimizer = new Adam(trainableVariables(model), { learningRate: 1e-3 });
  const x = tf.randomUniform([batch, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
  return {
    samplesPerStep: batch,
    step: () => {
      const loss = optimizer.minimize(() =>
        meanSquaredError(x, (model.apply(x) as tf.Tensor[])[1] as tf.Tensor2D),
      );
      loss.dataSync();
      loss.dispose();
    },
    dispose: () => {
      tf.dispose([x]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

export function buildWorkload(name: WorkloadName): Workload {
  const { batch } = WORKLOADS[name];
  if (name === 'mlp-ae') {
    return reconstructionWorkload(
      buildMlpAutoencoder({ inputDim: 784, hidden: [512, 128], bottleneck: 32, seed: 1 }).model,
      batch,
    );
  }
  if (name === 'conv-ae')
    return reconstructionWorkload(
      buildConvAutoencoder({ filters: [32, 64], bottleneck: 32, seed: 1 }),
      batch,
    );
  const encoder = buildConvEncoder({ filters: [32, 64, 128], width: 128, seed: 1 });
  const head = buildProjectionHead({ inputDim: 128, ...SIMCLR_SMALL_HEAD, seed: 2 });
  const optimizer = new Adam([...trainableVariables(encoder), ...trainableVariables(head)], {
    learningRate: 1e-3,
  });
  // Both views in one batch, as the SimCLR method trains (batch norm sees all 2N views).
  const views = tf.randomUniform([2 * batch, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
  return {
    samplesPerStep: 2 * batch,
    step: () => {
      const loss = optimizer.minimize(() => {
        const z = head.apply(encoder.apply(views, { training: true }) as tf.Tensor) as tf.Tensor2D;
        return ntXentLoss(tf.slice(z, [0, 0], [batch, -1]), tf.slice(z, [batch, 0], [batch, -1]), 0.5);
      });
      loss.dataSync();
      loss.dispose();
    },
    dispose: () => {
      tf.dispose([views]);
      optimizer.dispose();
      encoder.dispose();
      head.dispose();
    },
  };
}

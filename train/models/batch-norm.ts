// Batch normalisation over the last axis, optionally fused with the ReLU after it (conv → BN → ReLU
// is one layer here), trained with the fused op of train/ops/batch-norm.ts. In inference mode it
// uses the moving statistics, as tfjs's BatchNormalization does and as the exported ONNX graph does.
//
// Why not tfjs's layer: its training path is built from moments, broadcasts and tiles (over half
// of a SimCLR step on wasm), and its moving averages (momentum 0.99) are still far from the data's
// statistics after the few hundred steps of a short run, so the exported graph is not the model that
// was trained. Here the momentum is a constructor argument, and `calibrateBatchNorm` replaces the
// moving statistics by the exact statistics of the training images before export (as PyTorch's
// torch.optim.swa_utils.update_bn does with a cumulative average).
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../ops/batch-norm';

export interface BatchNormOptions {
  /** Weight of the old value in the moving averages (tfjs's default is 0.99). */
  momentum?: number;
  epsilon?: number;
  /** max(y, 0) after the normalisation, computed with it. */
  relu?: boolean;
  name?: string;
}

interface Calibration {
  rows: number;
  sum: Float64Array;
  sumSquares: Float64Array;
}

type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;

export class BatchNorm extends tf.layers.Layer {
  static className = 'PretextBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly relu: boolean;
  gamma!: LayerVariable;
  beta!: LayerVariable;
  movingMean!: LayerVariable;
  movingVariance!: LayerVariable;
  /** Set by calibrateBatchNorm: batch statistics are summed here instead of averaged in. */
  calibration: Calibration | undefined;

  constructor(o: BatchNormOptions = {}) {
    super(o.name === undefined ? {} : { name: o.name });
    this.momentum = o.momentum ?? 0.9;
    this.epsilon = o.epsilon ?? 1e-3;
    this.relu = o.relu ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`Illegal momentum ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new RangeError(`Illegal epsilon ${this.epsilon}`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the last axis needs a known size`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight(
      'moving_mean',
      [channels],
      'float32',
      tf.initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const gamma = this.gamma.read() as tf.Tensor1D;
    const beta = this.beta.read() as tf.Tensor1D;
    if (!kwargs.training) {
      return tf.tidy(() => {
        const y = tf.batchNorm(
          x,
          this.movingMean.read(),
          this.movingVariance.read(),
          beta,
          gamma,
          this.epsilon,
        );
        return this.relu ? tf.relu(y) : y;
      });
    }
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, {
      epsilon: this.epsilon,
      relu: this.relu,
    });
    if (this.calibration) {
      const rows = x.size / x.shape[x.shape.length - 1]!;
      const m = mean.dataSync();
      const v = variance.dataSync();
      const c = this.calibration;
      for (let i = 0; i < m.length; i++) {
        c.sum[i]! += rows * m[i]!;
        c.sumSquares[i]! += rows * (v[i]! + m[i]! * m[i]!);
      }
      c.rows += rows;
    } else {
      tf.tidy(() => {
        const decay = 1 - this.momentum;
        for (const [variable, value] of [
          [this.movingMean, mean],
          [this.movingVariance, variance],
        ] as const) {
          const old = variable.read();
          variable.write(tf.sub(old, tf.mul(tf.sub(old, value), decay)));
        }
      });
    }
    tf.dispose([mean, variance]);
    return y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, relu: this.relu };
  }
}
tf.serialization.registerClass(BatchNorm);

export function batchNorm(o: BatchNormOptions = {}): BatchNorm {
  return new BatchNorm(o);
}

/** The BatchNorm layers of a model, nested models included. */
export function batchNormLayers(model: tf.LayersModel): BatchNorm[] {
  const out: BatchNorm[] = [];
  const visit = (layer: tf.layers.Layer) => {
    if (layer instanceof BatchNorm) out.push(layer);
    const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (inner) for (const l of inner) visit(l);
  };
  for (const l of model.layers) visit(l);
  return out;
}

/**
 * Sets every BatchNorm layer's moving statistics to the statistics of the data the model sees in
 * training mode on `batches` (pooled over all batches: μ = E[x], σ² = E[x²] − μ²). Each batch's
 * normalisation still uses its own statistics, as in training, so every layer is calibrated on the
 * inputs it was trained on. Weights do not change; the batches are disposed after use.
 */
export function calibrateBatchNorm(model: tf.LayersModel, batches: Iterable<tf.Tensor>): number {
  const layers = batchNormLayers(model);
  for (const l of layers) {
    const channels = l.gamma.shape[0]!;
    l.calibration = { rows: 0, sum: new Float64Array(channels), sumSquares: new Float64Array(channels) };
  }
  try {
    for (const batch of batches) {
      tf.tidy(() => {
        model.apply(batch, { training: true });
      });
      batch.dispose();
    }
    for (const l of layers) {
      const c = l.calibration!;
      if (c.rows === 0) throw new Error(`calibrateBatchNorm: ${l.name} saw no data`);
      const mean = Float32Array.from(c.sum, (s) => s / c.rows);
      const variance = Float32Array.from(c.sumSquares, (s, i) => Math.max(0, s / c.rows - mean[i]! ** 2));
      tf.tidy(() => {
        l.movingMean.write(tf.tensor1d(mean));
        l.movingVariance.write(tf.tensor1d(variance));
      });
    }
  } finally {
    for (const l of layers) l.calibration = undefined;
  }
  return layers.length;
}

// The project's batch-norm layer: trains with batch statistics, serves with moving ones, and
// calibrateBatchNorm makes the served (eval-mode) outputs those of training mode on the training
// images — the check that the exported graph is the model that was trained.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { Adam, trainableVariables } from '../../../train/loop/adam';
import { BatchNorm, batchNormLayers, calibrateBatchNorm } from '../../../train/models/batch-norm';
import { buildConvEncoder } from '../../../train/models/conv-encoder';
import { createRng } from '../../../worker/contract/rng';

const N = 96;
const rng = createRng(3);
// Images whose statistics are far from the layers' initial moving statistics (mean 0, variance 1).
const images = Float32Array.from({ length: N * 784 }, (_, i) => 0.5 + 0.5 * Math.sin(i / 37) * rng.uniform());

function maxRelative(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

describe('BatchNorm and calibrateBatchNorm', () => {
  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
  });

  it('after calibration, eval-mode outputs equal training-mode outputs on the training images', () => {
    const encoder = buildConvEncoder({ filters: [4, 8, 8], width: 16, seed: 5 });
    // A few training steps: the moving averages (momentum 0.9) lag behind the weights.
    const adam = new Adam(trainableVariables(encoder), { learningRate: 0.005 });
    const x = tf.tensor2d(images, [N, 784]);
    const target = tf.randomUniform([N, 16], 0, 1, 'float32', 9);
    const loss = () =>
      tf.mean(tf.square(tf.sub(encoder.apply(x, { training: true }) as tf.Tensor, target))) as tf.Scalar;
    for (let i = 0; i < 3; i++) tf.dispose(adam.minimize(loss));
    const trainMode = () =>
      tf.tidy(() => (encoder.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
    const evalMode = () =>
      tf.tidy(() => (encoder.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array);

    const before = maxRelative(evalMode(), trainMode());
    expect(before).toBeGreaterThan(0.05); // the moving statistics are not the data's: the test can fail
    const batches = [0, 32, 64].map((s) => tf.tensor2d(images.subarray(s * 784, (s + 32) * 784), [32, 784]));
    expect(calibrateBatchNorm(encoder, batches)).toBe(3);
    // Batches of 32 pool to the statistics of all 96 images; training mode uses all 96 at once.
    expect(maxRelative(evalMode(), trainMode())).toBeLessThan(1e-3);
    tf.dispose([x, target]);
    adam.dispose();
    encoder.dispose();
  });

  it('calibration changes no trainable weight and leaks no tensor', () => {
    const encoder = buildConvEncoder({ filters: [4, 8], width: 8, seed: 1 });
    const weights = trainableVariables(encoder).map((v) => Array.from(v.dataSync()));
    const tensors = tf.memory().numTensors;
    calibrateBatchNorm(encoder, [tf.tensor2d(images.subarray(0, 16 * 784), [16, 784])]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(trainableVariables(encoder).map((v) => Array.from(v.dataSync()))).toEqual(weights);
    expect(batchNormLayers(encoder)).toHaveLength(2);
    encoder.dispose();
  });

  it('rejects a nonsense momentum or epsilon', () => {
    expect(() => new BatchNorm({ momentum: 1 })).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: Illegal momentum 1]`,
    );
    expect(() => new BatchNorm({ epsilon: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: Illegal epsilon 0]`,
    );
  });
});

// Undercomplete autoencoder: minimise the reconstruction loss L(x, g(f(x))) through a bottleneck.
// Composed from the MLP builder, the MSE loss and the shared loop; exported as one ONNX graph
// x → (embedding, reconstruction).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { loadMnist, MNIST_SPLIT } from '../data/mnist';
import { spreadSubset } from '../data/subset';
import { reconstructionMetrics } from '../eval/reconstruction';
import { writeModelArtifact } from '../export/artifact';
import { exportLayersModel } from '../export/layers-model';
import { layersModelParity, PARITY_TOLERANCE } from '../export/parity';
import { fit } from '../loop/fit';
import { meanSquaredError } from '../losses/reconstruction';
import { buildMlpAutoencoder } from '../models/mlp-autoencoder';

export const AeConfigSchema = z
  .object({
    name: z.string().default('mnist-mlp-ae'),
    version: z.string().default('1.0.0'),
    dataset: z.literal('mnist').default('mnist'),
    epochs: z.number().int().positive().default(30),
    batchSize: z.number().int().positive().default(128),
    learningRate: z.number().positive().default(1e-3),
    seed: z.number().int().nonnegative().default(1),
    hidden: z.array(z.number().int().positive()).default([512, 128]),
    bottleneck: z.number().int().positive().default(32),
    /** Use only the first n training images (tests and smoke runs); 0 = all. */
    trainLimit: z.number().int().nonnegative().default(0),
  })
  .strict();
export type AeConfig = z.infer<typeof AeConfigSchema>;

export interface AeRunContext {
  modelsDir: string;
  command: string;
  backend: string;
  log: (line: string) => void;
}

export async function trainAutoencoder(config: AeConfig, ctx: AeRunContext) {
  const { train, test } = loadMnist();
  const images = spreadSubset(train, config.trainLimit).images;
  const { model } = buildMlpAutoencoder({
    inputDim: 784,
    hidden: config.hidden,
    bottleneck: config.bottleneck,
    seed: config.seed,
  });
  const reconstruct = (x: tf.Tensor2D) => (model.apply(x) as tf.Tensor[])[1] as tf.Tensor2D;
  const optimizer = tf.train.adam(config.learningRate);
  ctx.log(
    `training ${config.name}: ${images.length / 784} images, ${config.epochs} epochs, batch ${config.batchSize}`,
  );
  const history = fit({
    images,
    dim: 784,
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed: config.seed,
    optimizer,
    loss: (x) => meanSquaredError(x, reconstruct(x)),
    validation: test.images,
    log: ctx.log,
  });
  optimizer.dispose();

  const metrics = reconstructionMetrics(test.images, reconstruct);
  const onnx = exportLayersModel(model, { inputNames: ['x'], outputNames: ['embedding', 'reconstruction'] });
  const parity = await layersModelParity(
    model,
    onnx,
    { name: 'x', data: test.images.subarray(0, 64 * 784), shape: [64, 784] },
    ['embedding', 'reconstruction'],
  );
  if (parity.maxAbsError > PARITY_TOLERANCE) {
    throw new Error(`export parity failed: max abs error ${parity.maxAbsError} > ${PARITY_TOLERANCE}`);
  }
  const artifact = writeModelArtifact(
    ctx.modelsDir,
    {
      name: config.name,
      version: config.version,
      method: 'ae',
      description: `Undercomplete MLP autoencoder 784→${config.hidden.join('→')}→${config.bottleneck} (mirrored decoder, sigmoid output), MSE reconstruction loss`,
      tasks: ['embed', 'reconstruct'],
      dataset: { name: 'mnist', split: MNIST_SPLIT, trainSize: images.length / 784, testSize: test.count },
      input: {
        name: 'x',
        shape: [null, 784],
        dtype: 'float32',
        layout: '28x28-row-major',
        range: [0, 1],
        polarity: 'ink-is-1',
      },
      outputs: {
        embedding: { name: 'embedding', shape: [config.bottleneck] },
        reconstruction: { name: 'reconstruction', shape: [784] },
      },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      training: {
        command: ctx.command,
        backend: ctx.backend,
        config,
        epochs: history.epochs,
        steps: history.steps,
        finalLoss: history.finalLoss,
        durationSeconds: Math.round(history.seconds * 10) / 10,
      },
      metrics: { mse: metrics.mse, psnr: metrics.psnr },
    },
    onnx,
  );
  model.dispose();
  ctx.log(
    `test mse ${metrics.mse.toFixed(5)}  psnr ${metrics.psnr.toFixed(2)} dB  parity ${parity.maxAbsError.toExponential(1)}  → ${artifact.dir}`,
  );
  return { artifact, history, metrics };
}

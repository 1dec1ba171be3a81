// Undercomplete autoencoder: minimise the reconstruction loss L(x, g(f(x))) through a bottleneck.
// Composed from the MLP builder, the MSE loss and the shared loop; exported as one ONNX graph
// x → (embedding, reconstruction).
import type * as tf from '@tensorflow/tfjs';
import { reconstructionMetrics } from '../eval/reconstruction';
import { IMAGE_INPUT, writeModelArtifact } from '../export/artifact';
import { exportLayersModel } from '../export/layers-model';
import { layersModelParity, PARITY_TOLERANCE } from '../export/parity';
import { trainLoop } from '../loop/fit';
import { meanSquaredError } from '../losses/reconstruction';
import { buildMlpAutoencoder } from '../models/mlp-autoencoder';
import { batchImages, type Method, type MethodContext } from './method';

async function run(ctx: MethodContext) {
  const { config: c, data } = ctx;
  const { model } = buildMlpAutoencoder({
    inputDim: 784,
    hidden: c.hidden,
    bottleneck: c.bottleneck,
    seed: c.seed,
  });
  const reconstruct = (x: tf.Tensor2D) => (model.apply(x) as tf.Tensor[])[1] as tf.Tensor2D;
  const reconstructionLoss = (set: typeof data.train) => (indices: Uint32Array) => {
    const x = batchImages(set, indices);
    return meanSquaredError(x, reconstruct(x));
  };
  ctx.log(`training ${c.name}: ${data.train.count} images, ${c.epochs} epochs, batch ${c.batchSize}`);
  const history = await trainLoop({
    model,
    count: data.train.count,
    loss: reconstructionLoss(data.train),
    validationCount: data.test.count,
    validationLoss: reconstructionLoss(data.test),
    config: c,
    runDir: ctx.runDir,
    resolvedConfig: c,
    backend: ctx.backend,
    resume: c.resume,
    signal: ctx.signal,
    log: ctx.log,
  });

  const metrics = reconstructionMetrics(data.test.images, reconstruct);
  const onnx = exportLayersModel(model, { inputNames: ['x'], outputNames: ['embedding', 'reconstruction'] });
  const parity = await layersModelParity(
    model,
    onnx,
    { name: 'x', data: data.test.images.subarray(0, 64 * 784), shape: [Math.min(64, data.test.count), 784] },
    ['embedding', 'reconstruction'],
  );
  if (parity.maxAbsError > PARITY_TOLERANCE) {
    throw new Error(`export parity failed: max abs error ${parity.maxAbsError} > ${PARITY_TOLERANCE}`);
  }
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      name: c.name,
      version: c.version,
      method: 'ae',
      description: `Undercomplete MLP autoencoder 784→${c.hidden.join('→')}→${c.bottleneck} (mirrored decoder, sigmoid output), MSE reconstruction loss`,
      tasks: ['embed', 'reconstruct'],
      dataset: { name: c.dataset, split: data.split, trainSize: data.train.count, testSize: data.test.count },
      input: IMAGE_INPUT,
      outputs: {
        embedding: { name: 'embedding', shape: [c.bottleneck] },
        reconstruction: { name: 'reconstruction', shape: [784] },
      },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      training: {
        command: ctx.command,
        backend: ctx.backend,
        config: c,
        epochs: c.epochs,
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
  return { artifact, finalLoss: history.finalLoss, metrics: { mse: metrics.mse, psnr: metrics.psnr } };
}

export const ae: Method = {
  description: 'undercomplete MLP autoencoder (784→512→128→32→…→784), MSE reconstruction loss',
  preset: { name: 'mnist-mlp-ae', dataset: 'mnist', epochs: 30, batchSize: 128 },
  run,
};

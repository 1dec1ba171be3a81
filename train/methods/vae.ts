// Variational autoencoder: encoder to (μ, log σ²), reparameterisation z = μ + σ·ε, Bernoulli decoder,
// trained by maximising the ELBO (losses/elbo.ts). Exports the reconstruction path x → (μ, x̂) as
// model.onnx and the decoder z → x as generator.onnx (for /v1/generate).
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { reconstructionMetrics } from '../eval/reconstruction';
import { writeModelArtifact } from '../export/artifact';
import { exportLayersModel } from '../export/layers-model';
import { checkedLayersParity, layersModelParity, PARITY_TOLERANCE } from '../export/parity';
import { meanLoss, type StepContext, trainLoop } from '../loop/fit';
import { negativeElbo } from '../losses/elbo';
import { buildVae, vaeGeneratorGraph, vaeReconstructionGraph } from '../models/vae';
import { loopOptions, type Method, type MethodContext, type MethodResult, manifestBase } from './method';

const round = (v: number) => Number(v.toPrecision(6));

async function run(ctx: MethodContext): Promise<MethodResult> {
  const { config: c, data } = ctx;
  const options = { hidden: c.hidden, latent: c.bottleneck, seed: c.seed };
  const vae = buildVae(options);
  const elboOn = (set: Dataset) => (indices: Uint32Array, step: StepContext) => {
    const x = tf.tensor2d(gatherBatch(set, indices).images, [indices.length, 784]);
    const [mu, logVar] = vae.encoder.apply(x) as [tf.Tensor2D, tf.Tensor2D];
    // Reparameterisation (Kingma & Welling 2014, §2.4): ε from the step's seeded RNG keeps runs reproducible.
    const eps = tf.tensor2d(
      Float32Array.from({ length: indices.length * c.bottleneck }, () => step.rng.normal()),
      [indices.length, c.bottleneck],
    );
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)) as tf.Tensor2D;
    const logits = vae.decoder.apply(z) as tf.Tensor2D;
    return negativeElbo(x, logits, mu, logVar, c.klWeight).loss;
  };
  ctx.log(`training ${c.name} (vae): ${data.train.count} images, ${c.epochs} epochs, batch ${c.batchSize}`);
  const history = await trainLoop({
    model: vae.all,
    count: data.train.count,
    loss: elboOn(data.train),
    validationCount: data.test.count,
    validationLoss: elboOn(data.test),
    ...loopOptions(ctx),
  });

  const reconstruction = vaeReconstructionGraph(options, vae);
  const generator = vaeGeneratorGraph(options, vae);
  // Test ELBO with one posterior sample per image (seeded), in nats per image.
  const testNegativeElbo = meanLoss(data.test.count, 500, elboOn(data.test), c.seed);
  const base = reconstructionMetrics(data.test.images, (x) => (reconstruction.apply(x) as tf.Tensor2D[])[1]!);
  const metrics = { mse: round(base.mse), psnr: round(base.psnr), elbo: round(-testNegativeElbo) };

  const onnx = exportLayersModel(reconstruction, {
    inputNames: ['x'],
    outputNames: ['embedding', 'reconstruction'],
  });
  const parity = await checkedLayersParity(reconstruction, onnx, data.test, ['embedding', 'reconstruction']);
  const generatorOnnx = exportLayersModel(generator, { inputNames: ['z'], outputNames: ['image'] });
  const z = Float32Array.from({ length: 16 * c.bottleneck }, (_, i) => Math.sin(i * 1.3) * 1.5);
  const generatorParity = await layersModelParity(
    generator,
    generatorOnnx,
    { name: 'z', data: z, shape: [16, c.bottleneck] },
    ['image'],
  );
  if (generatorParity.maxScaledError > PARITY_TOLERANCE) {
    throw new Error(
      `export parity failed (generator): max scaled error ${generatorParity.maxScaledError} > ${PARITY_TOLERANCE}`,
    );
  }

  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...manifestBase(ctx, history),
      method: 'vae',
      description: `Variational autoencoder: encoder 784→${c.hidden.join('→')}→(μ, log σ²) of ${c.bottleneck} dims, Bernoulli decoder, ELBO with β = ${c.klWeight}; embedding = μ`,
      tasks: ['embed', 'reconstruct', 'generate'],
      outputs: {
        embedding: { name: 'embedding', shape: [c.bottleneck] },
        reconstruction: { name: 'reconstruction', shape: [784] },
      },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      metrics,
    },
    onnx,
    false,
    {
      bytes: generatorOnnx,
      latent: { name: 'z', dims: c.bottleneck },
      output: { name: 'image', shape: [784] },
      parityMaxAbsError: generatorParity.maxAbsError,
    },
  );
  // vae.all holds every trained layer (the encoder and decoder models share them).
  for (const m of [reconstruction, generator, vae.all]) m.dispose();
  ctx.log(
    `test mse ${metrics.mse}  psnr ${metrics.psnr}  ELBO ${metrics.elbo} nats/image  → ${artifact.dir}`,
  );
  return { artifact, finalLoss: history.finalLoss, metrics };
}

export const vae: Method = {
  description: 'variational autoencoder: Bernoulli decoder, ELBO (reconstruction + KL), reparameterisation',
  preset: { name: 'fmnist-vae', dataset: 'fashion-mnist', epochs: 20, hidden: [512, 256], bottleneck: 16 },
  run,
};

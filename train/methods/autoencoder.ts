// The autoencoder family shares one recipe: a model x → (h, x̂), the reconstruction loss L(x, g(f(x̃)))
// plus an optional penalty on the code, the shared loop, test-set metrics, ONNX export with parity,
// and the manifest. Each method file (ae, conv-ae, sparse-ae, contractive-ae, dae) only says what
// differs: the builder, the penalty, the corruption, the extra metrics.
import * as tf from '@tensorflow/tfjs';
import { type CorruptionSpec, corrupt } from '../../worker/contract/corruptions';
import type { Manifest, Task } from '../../worker/contract/manifest';
import type { Rng } from '../../worker/contract/rng';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { reconstructionMetrics } from '../eval/reconstruction';
import { writeModelArtifact } from '../export/artifact';
import { exportLayersModel } from '../export/layers-model';
import { checkedLayersParity } from '../export/parity';
import { trainLoop } from '../loop/fit';
import { meanSquaredError } from '../losses/reconstruction';
import { logArtifact, loopOptions, type MethodContext, type MethodResult, manifestBase } from './method';

export interface AutoencoderRecipe {
  method: Manifest['method'];
  description: string;
  /** x [N,784] → [embedding h, reconstruction x̂]. */
  model: tf.LayersModel;
  /** Extra loss term on the code (already weighted by its λ). */
  penalty?: (h: tf.Tensor2D, x: tf.Tensor2D) => tf.Scalar;
  /** Train on (x̃, x) instead of (x, x). */
  corruption?: CorruptionSpec;
  tasks: Task[];
  /** Metrics beyond mse/psnr, computed on the test split after training. */
  extraMetrics?: (
    apply: (x: tf.Tensor2D) => [tf.Tensor2D, tf.Tensor2D],
    test: Dataset,
  ) => Record<string, number>;
}

const round = (v: number, digits = 6) => Number(v.toPrecision(digits));

export async function trainAutoencoder(ctx: MethodContext, recipe: AutoencoderRecipe): Promise<MethodResult> {
  const { config: c, data } = ctx;
  const { model } = recipe;
  const apply = (x: tf.Tensor2D) => model.apply(x) as [tf.Tensor2D, tf.Tensor2D];
  const lossOn = (set: Dataset) => (indices: Uint32Array, step: { rng: Rng }) => {
    const clean = gatherBatch(set, indices).images;
    const x = tf.tensor2d(clean, [indices.length, 784]);
    const input = recipe.corruption
      ? tf.tensor2d(corrupt(clean, recipe.corruption, step.rng), [indices.length, 784])
      : x;
    const [h, reconstruction] = apply(input);
    const loss = meanSquaredError(x, reconstruction);
    return recipe.penalty ? (tf.add(loss, recipe.penalty(h, input)) as tf.Scalar) : loss;
  };
  ctx.log(
    `training ${c.name} (${recipe.method}): ${data.train.count} images, ${c.epochs} epochs, batch ${c.batchSize}`,
  );
  const history = await trainLoop({
    model,
    count: data.train.count,
    loss: lossOn(data.train),
    validationCount: data.test.count,
    validationLoss: lossOn(data.test),
    ...loopOptions(ctx),
  });

  const base = reconstructionMetrics(data.test.images, (x) => apply(x)[1]);
  const metrics: Record<string, number> = {
    mse: round(base.mse),
    psnr: round(base.psnr),
    ...Object.fromEntries(
      Object.entries(recipe.extraMetrics?.(apply, data.test) ?? {}).map(([k, v]) => [k, round(v)]),
    ),
  };
  const onnx = exportLayersModel(model, { inputNames: ['x'], outputNames: ['embedding', 'reconstruction'] });
  const parity = await checkedLayersParity(model, onnx, data.test, ['embedding', 'reconstruction']);
  const [, codeShape] = model.outputs[0]!.shape as [null, number];
  const outputs: Manifest['outputs'] = {
    embedding: { name: 'embedding', shape: [codeShape] },
    reconstruction: { name: 'reconstruction', shape: [784] },
  };
  if (recipe.tasks.includes('denoise')) outputs.denoised = { name: 'reconstruction', shape: [784] };
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...manifestBase(ctx, history),
      method: recipe.method,
      description: recipe.description,
      tasks: recipe.tasks,
      outputs,
      onnx: { parityMaxAbsError: parity.maxAbsError },
      metrics,
    },
    onnx,
  );
  model.dispose();
  logArtifact(ctx, artifact, metrics, parity.maxAbsError);
  return { artifact, finalLoss: history.finalLoss, metrics };
}

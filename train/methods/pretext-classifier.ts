// The recipe RotNet and jigsaw share: labels made from the images themselves, a conv encoder with a
// softmax head trained by cross-entropy on them, the pretext accuracy on the test split, the downstream
// metrics of the frozen representation, and one ONNX graph x → (pretext probabilities, embedding).
import * as tf from '@tensorflow/tfjs';
import type { Manifest, Task } from '../../worker/contract/manifest';
import { createRng, type Rng } from '../../worker/contract/rng';
import type { PretextExamples } from '../augment/rotate';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { accuracy, argmaxRows } from '../eval/probe';
import { writeModelArtifact } from '../export/artifact';
import { exportLayersModel } from '../export/layers-model';
import { checkedLayersParity } from '../export/parity';
import { trainLoop } from '../loop/fit';
import { calibrateBatchNorm } from '../models/batch-norm';
import { buildConvEncoder } from '../models/conv-encoder';
import { downstreamMetrics, embedImages, splitEmbeddings } from './downstream';
import { logArtifact, loopOptions, type MethodContext, type MethodResult, manifestBase } from './method';

export interface PretextRecipe {
  method: Extract<Manifest['method'], 'rotnet' | 'jigsaw'>;
  description: string;
  task: Extract<Task, 'rotation' | 'jigsaw'>;
  /** The output role the worker reads, e.g. rotationProbabilities. */
  role: string;
  classes: number;
  /** The pretext examples of a batch of images (all randomness from `rng`). */
  examples: (images: Float32Array, rng: Rng) => PretextExamples;
}

const round = (v: number) => Number(v.toPrecision(6));

/** Training-distribution batches (the pretext examples of up to 10,000 training images) for BN calibration. */
export function* calibrationBatches(
  set: Dataset,
  batchSize: number,
  examples: (images: Float32Array, rng: Rng) => { images: Float32Array; count: number },
  seed: number,
): Generator<tf.Tensor2D> {
  const rng = createRng(seed ^ 0x0bca1b);
  const count = Math.min(set.count, 10_000);
  for (let start = 0; start < count; start += batchSize) {
    const indices = Uint32Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
    const ex = examples(gatherBatch(set, indices).images, rng);
    yield tf.tensor2d(ex.images, [ex.count, 784]);
  }
}

export async function trainPretextClassifier(
  ctx: MethodContext,
  recipe: PretextRecipe,
): Promise<MethodResult> {
  const { config: c, data } = ctx;
  const encoder = buildConvEncoder({ filters: c.convFilters, width: c.representationDim, seed: c.seed });
  const [x] = encoder.inputs as [tf.SymbolicTensor];
  const [h] = encoder.outputs as [tf.SymbolicTensor];
  const logits = tf.layers
    .dense({
      units: recipe.classes,
      kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed + 101 }),
      name: 'pretext_logits',
    })
    .apply(h) as tf.SymbolicTensor;
  const probabilities = tf.layers
    .softmax({ name: 'pretext_probabilities' })
    .apply(logits) as tf.SymbolicTensor;
  // Both models share the encoder's layers: one trains on logits, the other is exported and checkpointed.
  const classifier = tf.model({ inputs: x, outputs: logits });
  const model = tf.model({ inputs: x, outputs: [probabilities, h], name: recipe.method });

  const lossOn = (set: Dataset, training: boolean) => (indices: Uint32Array, step: { rng: Rng }) => {
    const ex = recipe.examples(gatherBatch(set, indices).images, step.rng);
    const out = classifier.apply(tf.tensor2d(ex.images, [ex.count, 784]), { training }) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.tensor1d(ex.labels, 'int32'), recipe.classes),
      out,
    ) as tf.Scalar;
  };
  ctx.log(
    `training ${c.name} (${recipe.method}): ${data.train.count} images, ${c.epochs} epochs, batch ${c.batchSize}`,
  );
  const history = await trainLoop({
    model,
    count: data.train.count,
    loss: lossOn(data.train, true),
    validationCount: data.test.count,
    validationLoss: lossOn(data.test, false),
    ...loopOptions(ctx),
  });

  // The served graph normalises with the moving statistics: make them the training data's own.
  calibrateBatchNorm(
    model,
    calibrationBatches(data.train, c.batchSize, (images, rng) => recipe.examples(images, rng), c.seed),
  );

  const test = recipe.examples(data.test.images, createRng(c.seed));
  const scores = embedImages(classifier, test.images);
  const metrics: Record<string, number> = {
    [`${recipe.task}Accuracy`]: accuracy(argmaxRows(scores, recipe.classes), test.labels),
  };
  const split = splitEmbeddings((images) => embedImages(encoder, images), data);
  const downstream = downstreamMetrics(split.train, split.test, data.train.classNames.length, c, ctx.log);
  Object.assign(metrics, downstream.metrics);
  for (const k of Object.keys(metrics)) metrics[k] = round(metrics[k]!);

  const onnx = exportLayersModel(model, { inputNames: ['x'], outputNames: [recipe.role, 'embedding'] });
  const parity = await checkedLayersParity(model, onnx, { images: test.images, count: data.test.count }, [
    recipe.role,
    'embedding',
  ]);
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...manifestBase(ctx, history),
      method: recipe.method,
      description: recipe.description,
      tasks: [recipe.task, 'embed'],
      outputs: {
        [recipe.role]: { name: recipe.role, shape: [recipe.classes] },
        embedding: { name: 'embedding', shape: [c.representationDim] },
      },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      metrics,
    },
    onnx,
    // Not forced to be the default: the model takes its tasks' defaults only where none is set, so it
    // never displaces the /v1/embed default (SimCLR's or an autoencoder's).
    false,
  );
  model.dispose();
  logArtifact(ctx, artifact, metrics, parity.maxAbsError);
  return { artifact, finalLoss: history.finalLoss, metrics };
}

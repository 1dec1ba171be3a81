// Supervised training of the conv encoder + a softmax layer on labelled images: from scratch (the
// baseline a pretext task has to beat: lecture, "pre-training pays off when labels are few") or
// fine-tuned from a committed encoder's weights. Both get the same steps, learning rate and
// augmentation (random shifts of up to 2 pixels), in whole epochs over the labelled subset; a few
// hundred images need many passes to converge.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../worker/contract/rng';
import { randomShifts } from '../augment/shift';
import type { TrainConfig } from '../config/schema';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { accuracy, argmaxRows } from '../eval/probe';
import { importLayerWeights } from '../export/import-weights';
import { type FitResult, trainLoop } from '../loop/fit';
import { calibrateBatchNorm } from '../models/batch-norm';
import { buildConvEncoder, type Pooling } from '../models/conv-encoder';
import { embedImages } from './downstream';

export interface BaselineArchitecture {
  filters: readonly number[];
  width: number;
  pooling?: Pooling;
}

export interface ClassifierTraining {
  /** The labelled images (already the share of the labels in use). */
  train: Dataset;
  test: Dataset;
  arch: BaselineArchitecture;
  /** ONNX bytes of a committed encoder to start from (its leading layers); else random weights. */
  init?: Uint8Array;
  /** Optimizer steps at least (rounded up to whole epochs). */
  steps: number;
  /**
   * With `init`: steps that first train only the softmax layer on the frozen encoder (in inference
   * mode, so it reads the pretext embedding as served), before `steps` of fine-tuning every layer:
   * LP-FT (Kumar et al. 2022, "Fine-Tuning can Distort Pretrained Features"), which keeps a random
   * head's large early gradients from overwriting the pretrained features.
   */
  headSteps?: number;
  c: TrainConfig;
  runDir?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface TrainedClassifier {
  /** x → [probabilities, representation]; the caller disposes it. */
  model: tf.LayersModel;
  encoder: tf.LayersModel;
  accuracy: number;
  history: FitResult;
}

export const SHIFT_PIXELS = 2;

/** Up to 10,000 of the set's images in batches, for batch-norm calibration. */
export function* imageBatches(set: Dataset, batchSize: number): Generator<tf.Tensor2D> {
  const count = Math.min(set.count, 10_000);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    yield tf.tensor2d(set.images.subarray(start * 784, end * 784), [end - start, 784]);
  }
}

export async function trainClassifier(o: ClassifierTraining): Promise<TrainedClassifier> {
  const { c, train } = o;
  const classes = train.classNames.length;
  const encoder = buildConvEncoder({
    filters: o.arch.filters,
    width: o.arch.width,
    pooling: o.arch.pooling,
    seed: c.seed,
  });
  if (o.init) importLayerWeights(encoder, o.init);
  const [h] = encoder.outputs as [tf.SymbolicTensor];
  const logits = tf.layers
    .dense({
      units: classes,
      kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed + 101 }),
      name: 'class_logits',
    })
    .apply(h) as tf.SymbolicTensor;
  const probabilities = tf.layers.softmax({ name: 'class_probabilities' }).apply(logits) as tf.SymbolicTensor;
  const classifier = tf.model({ inputs: encoder.inputs, outputs: logits });
  const model = tf.model({ inputs: encoder.inputs, outputs: [probabilities, h], name: 'classifier' });
  const batchSize = Math.min(c.batchSize, train.count);
  const epochsFor = (steps: number) => Math.max(1, Math.ceil(steps / Math.ceil(train.count / batchSize)));
  const lossOf = (net: tf.LayersModel, training: boolean) => (indices: Uint32Array, step: { rng: Rng }) => {
    const batch = gatherBatch(train, indices);
    const images = randomShifts(batch.images, SHIFT_PIXELS, step.rng);
    const out = net.apply(tf.tensor2d(images, [batch.size, 784]), { training }) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes),
      out,
    ) as tf.Scalar;
  };
  const headSteps = o.init ? (o.headSteps ?? 0) : 0;
  if (headSteps > 0) {
    for (const layer of encoder.layers) layer.trainable = false;
    await trainLoop({
      model,
      count: train.count,
      loss: lossOf(classifier, false),
      config: { ...c, epochs: epochsFor(headSteps), batchSize, progress: false, checkpointEvery: 0 },
      signal: o.signal,
    });
    for (const layer of encoder.layers) layer.trainable = true;
    o.log?.(`  ${headSteps} steps on the softmax layer alone, then every layer`);
  }
  const epochs = epochsFor(o.steps);
  const history = await trainLoop({
    model,
    count: train.count,
    loss: lossOf(classifier, true),
    config: { ...c, epochs, batchSize, ...(o.runDir ? {} : { progress: false, checkpointEvery: 0 }) },
    ...(o.runDir && { runDir: o.runDir, resolvedConfig: c, resume: c.resume }),
    signal: o.signal,
    log: o.log,
  });
  // The served graph normalises with the moving statistics: make them those of the training images.
  calibrateBatchNorm(model, imageBatches(train, batchSize));
  const predicted = argmaxRows(embedImages(classifier, o.test.images), classes);
  return { model, encoder, accuracy: accuracy(predicted, o.test.labels), history };
}

/** Test accuracy of the encoder + softmax trained from scratch on `train` (already the labelled subset). */
export async function supervisedBaselineAccuracy(
  train: Dataset,
  test: Dataset,
  arch: BaselineArchitecture,
  c: TrainConfig,
  signal?: AbortSignal,
): Promise<number> {
  const r = await trainClassifier({ train, test, arch, steps: c.baselineSteps, c, signal });
  r.model.dispose();
  return r.accuracy;
}

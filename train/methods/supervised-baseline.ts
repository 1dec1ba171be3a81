// Supervised training of the conv encoder + a softmax layer on labelled images: from scratch (the
// baseline a pretext task has to beat: lecture, "pre-training pays off when labels are few") or
// fine-tuned from a committed encoder's weights. Both get the same steps, learning rate and
// augmentation (random shifts of up to 2 pixels), in whole epochs over the labelled subset; a few
// hundred images need many passes to converge.
import * as tf from '@tensorflow/tfjs';
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
  const epochs = Math.max(1, Math.ceil(o.steps / Math.ceil(train.count / batchSize)));
  const history = await trainLoop({
    model,
    count: train.count,
    loss: (indices, step) => {
      const batch = gatherBatch(train, indices);
      const images = randomShifts(batch.images, SHIFT_PIXELS, step.rng);
      const out = classifier.apply(tf.tensor2d(images, [batch.size, 784]), { training: true }) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes),
        out,
      ) as tf.Scalar;
    },
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

// The baseline a pretext task has to beat: the same conv encoder trained from scratch, supervised, on
// only the labelled share of the data (lecture: pre-training pays off when labels are few). Every share
// gets the same number of optimizer steps (config.baselineSteps, the same compute; a few hundred images
// need many passes), in whole epochs over the subset; it reports the test accuracy.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/schema';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { accuracy, argmaxRows } from '../eval/probe';
import { trainLoop } from '../loop/fit';
import { buildConvEncoder } from '../models/conv-encoder';
import { embedImages } from './downstream';

export interface BaselineArchitecture {
  filters: readonly number[];
  width: number;
}

/** Test accuracy of encoder + softmax trained from scratch on `train` (already the labelled subset). */
export async function supervisedBaselineAccuracy(
  train: Dataset,
  test: Dataset,
  arch: BaselineArchitecture,
  c: TrainConfig,
  signal?: AbortSignal,
): Promise<number> {
  const classes = train.classNames.length;
  const encoder = buildConvEncoder({ filters: arch.filters, width: arch.width, seed: c.seed });
  const logits = tf.layers
    .dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed + 101 }) })
    .apply(encoder.outputs[0]!) as tf.SymbolicTensor;
  const model = tf.model({ inputs: encoder.inputs, outputs: logits });
  const batchSize = Math.min(c.batchSize, train.count);
  const epochs = Math.max(1, Math.round(c.baselineSteps / Math.ceil(train.count / batchSize)));
  try {
    await trainLoop({
      model,
      count: train.count,
      loss: (indices) => {
        const batch = gatherBatch(train, indices);
        const out = model.apply(tf.tensor2d(batch.images, [batch.size, 784]), {
          training: true,
        }) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(
          tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes),
          out,
        ) as tf.Scalar;
      },
      config: { ...c, epochs, batchSize, progress: false, checkpointEvery: 0 },
      signal,
    });
    return accuracy(argmaxRows(embedImages(model, test.images), classes), test.labels);
  } finally {
    model.dispose();
  }
}

// SimCLR (Chen, Kornblith, Norouzi & Hinton 2020): two augmented views t(x), t'(x) of every image go
// through the encoder f and the projection head g; NT-Xent with temperature τ pulls the two views
// together against the 2N − 2 other views of the batch. The head is thrown away afterwards (§4.2: h
// before g is the better representation), so the exported graph is the encoder: x → embedding = f(x).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../worker/contract/rng';
import { SIMCLR_VIEWS_28X28, simclrViews } from '../augment/simclr-views';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { writeModelArtifact } from '../export/artifact';
import { exportLayersModel } from '../export/layers-model';
import { checkedLayersParity } from '../export/parity';
import { trainLoop } from '../loop/fit';
import { ntXentLoss } from '../losses/nt-xent';
import { calibrateBatchNorm } from '../models/batch-norm';
import { buildConvEncoder, describeConvEncoder } from '../models/conv-encoder';
import { buildProjectionHead } from '../models/projection-head';
import { downstreamMetrics, embedImages, splitEmbeddings } from './downstream';
import {
  logArtifact,
  loopOptions,
  type Method,
  type MethodContext,
  type MethodResult,
  manifestBase,
} from './method';
import { imageBatches } from './supervised-baseline';

const round = (v: number) => Number(v.toPrecision(6));

async function run(ctx: MethodContext): Promise<MethodResult> {
  const { config: c, data } = ctx;
  if (data.train.count % c.batchSize === 1) {
    throw new Error(
      `simclr: the last batch would hold 1 image and NT-Xent needs 2; choose another --batch-size than ${c.batchSize}`,
    );
  }
  const encoder = buildConvEncoder({ filters: c.convFilters, width: c.representationDim, seed: c.seed });
  const head = buildProjectionHead({
    inputDim: c.representationDim,
    hiddenDim: c.projectionHidden,
    outputDim: c.projectionDim,
    seed: c.seed + 1000,
    batchNorm: c.projectionBatchNorm,
  });
  const viewOptions = {
    ...SIMCLR_VIEWS_28X28,
    cropScale: [c.cropScale, 1] as const,
    flipProbability: c.horizontalFlip ? 0.5 : 0,
  };
  // x → z = g(f(x)): trained and checkpointed as one model; the encoder's layers are shared with it.
  const model = tf.model({
    inputs: encoder.inputs,
    outputs: head.apply(encoder.outputs[0]!) as tf.SymbolicTensor,
    name: 'simclr',
  });

  const lossOn = (set: Dataset, training: boolean) => (indices: Uint32Array, step: { rng: Rng }) => {
    const n = indices.length;
    const [first, second] = simclrViews(gatherBatch(set, indices).images, step.rng, viewOptions);
    // Both views in one batch: batch norm sees all 2N views, as SimCLR's global BN does.
    const views = tf.concat([tf.tensor2d(first, [n, 784]), tf.tensor2d(second, [n, 784])]);
    const z = model.apply(views, { training }) as tf.Tensor2D;
    return ntXentLoss(tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1]), c.temperature);
  };
  ctx.log(
    `training ${c.name} (simclr): ${data.train.count} images, ${c.epochs} epochs, batch ${c.batchSize}, τ = ${c.temperature}`,
  );
  const history = await trainLoop({
    model,
    count: data.train.count,
    loss: lossOn(data.train, true),
    ...(data.test.count % 512 !== 1 && {
      validationCount: data.test.count,
      validationLoss: lossOn(data.test, false),
    }),
    ...loopOptions(ctx),
  });

  // The served embedding is of clean images: normalise with their statistics (not the views').
  calibrateBatchNorm(encoder, imageBatches(data.train, c.batchSize));
  const split = splitEmbeddings((images) => embedImages(encoder, images), data);
  const { metrics } = downstreamMetrics(split.train, split.test, data.train.classNames.length, c, ctx.log);
  for (const k of Object.keys(metrics)) metrics[k] = round(metrics[k]!);

  const onnx = exportLayersModel(encoder, { inputNames: ['x'], outputNames: ['embedding'] });
  const parity = await checkedLayersParity(encoder, onnx, data.test, ['embedding']);
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...manifestBase(ctx, history),
      method: 'simclr',
      description: `SimCLR: ${describeConvEncoder({ filters: c.convFilters, width: c.representationDim })} = h, trained with projection head ${c.representationDim}→${c.projectionHidden}→${c.projectionDim} ${c.projectionBatchNorm ? ' (batch norm)' : ''} and NT-Xent (τ = ${c.temperature}) on views with crops ≥ ${c.cropScale} of the area${c.horizontalFlip ? ', left–right flips' : ''}, rotations ≤ ${SIMCLR_VIEWS_28X28.maxRotationDegrees}°, shifts ≤ ${SIMCLR_VIEWS_28X28.maxTranslation} px, gamma, erasing and noise; embedding = h (head discarded), batch norm calibrated on the clean training images`,
      tasks: ['embed'],
      outputs: { embedding: { name: 'embedding', shape: [c.representationDim] } },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      metrics,
    },
    onnx,
  );
  model.dispose(); // the encoder's layers and the head
  logArtifact(ctx, artifact, metrics, parity.maxAbsError);
  return { artifact, finalLoss: history.finalLoss, metrics };
}

export const simclr: Method = {
  description:
    'SimCLR: two augmented views, conv encoder + projection head, NT-Xent (--temperature); exports the encoder',
  // The recipe (pretext-quality issue): SimCLR's CIFAR settings scaled to 28×28 — τ = 0.5, crops down
  // to 30 % of the area, left–right flips, a batch-normalised 256 → 128 head — and many epochs:
  // at 10 epochs this network is still at the level of its random initialisation.
  preset: {
    name: 'fmnist-simclr',
    dataset: 'fashion-mnist',
    epochs: 50,
    batchSize: 256,
    warmupSteps: 500,
    convFilters: [32, 64, 128],
    representationDim: 128,
    temperature: 0.5,
    cropScale: 0.3,
    horizontalFlip: true,
    projectionBatchNorm: true,
    projectionHidden: 256,
    projectionDim: 128,
  },
  run,
};

// The downstream task as the lecture frames it: a pretext-trained encoder (--encoder, a committed
// model whose leading layers are the conv encoder) fine-tuned on labels, against the same network
// trained from scratch on the same labels with the same steps and augmentation, at every share of
// the labels in --label-fractions. Serves /v1/classify with the encoder fine-tuned on the largest
// share: x → (probabilities, embedding).
import { join } from 'node:path';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { labelledSubset } from '../eval/probe';
import { writeModelArtifact } from '../export/artifact';
import { importLayerWeights } from '../export/import-weights';
import { exportLayersModel } from '../export/layers-model';
import { checkedLayersParity, maxScaledDifference, PARITY_TOLERANCE } from '../export/parity';
import { hasCheckpoint } from '../loop/checkpoint';
import { buildConvEncoder, describeConvEncoder, type Pooling } from '../models/conv-encoder';
import { onnxEmbed, readEncoder } from './committed-encoder';
import { embedImages, shareName } from './downstream';
import { type Method, type MethodContext, type MethodResult, manifestBase } from './method';
import { type BaselineArchitecture, type TrainedClassifier, trainClassifier } from './supervised-baseline';

const round = (v: number) => Number(v.toPrecision(6));

/** The imported weights must reproduce the committed graph's embedding before any training. */
function verifyImport(
  bytes: Uint8Array,
  arch: BaselineArchitecture,
  test: Dataset,
  seed: number,
  expected: Float32Array,
) {
  const encoder = buildConvEncoder({ ...arch, seed });
  try {
    importLayerWeights(encoder, bytes);
    const got = embedImages(encoder, test.images.subarray(0, 64 * 784));
    const error = maxScaledDifference(expected, got);
    if (error > PARITY_TOLERANCE)
      throw new Error(`finetune: the imported encoder differs from its ONNX graph by ${error}`);
  } finally {
    encoder.dispose();
  }
}

async function run(ctx: MethodContext): Promise<MethodResult> {
  const { config: c, data } = ctx;
  if (!c.encoder)
    throw new Error(
      'finetune needs --encoder <model>: a committed conv-encoder model (rotnet, jigsaw, simclr)',
    );
  const source = readEncoder(c.modelsDir, c.encoder, 'finetune');
  const trained = source.manifest.training.config as {
    convFilters?: number[];
    representationDim?: number;
    pooling?: Pooling;
  };
  const arch = {
    filters: trained.convFilters ?? c.convFilters,
    width: trained.representationDim ?? c.representationDim,
    pooling: trained.pooling ?? 'flatten',
  };
  verifyImport(
    source.bytes,
    arch,
    data.test,
    c.seed,
    await onnxEmbed(source, data.test.images.subarray(0, 64 * 784)),
  );
  const fractions = [...c.labelFractions].sort((a, b) => a - b);
  const metrics: Record<string, number> = {};
  let served: { fraction: number; run: TrainedClassifier; rows: number } | undefined;
  for (const fraction of fractions) {
    const rows = labelledSubset(data.train.labels, fraction, c.seed);
    const subset = gatherBatch(data.train, rows);
    const train = { ...data.train, images: subset.images, labels: subset.labels, count: subset.size };
    // --epochs passes over the share, and at least --baseline-steps steps: small shares need many passes.
    const steps = Math.max(c.baselineSteps, c.epochs * Math.ceil(train.count / c.batchSize));
    for (const from of ['pretext', 'scratch'] as const) {
      const runDir = join(ctx.runDir, `${from}-${shareName(fraction)}`);
      ctx.log(
        `${from === 'pretext' ? `fine-tuning ${source.manifest.name}` : 'from scratch'} on ${shareName(fraction)} of the labels (${train.count} images), ≥ ${steps} steps`,
      );
      const r = await trainClassifier({
        train,
        test: data.test,
        arch,
        ...(from === 'pretext' && { init: source.bytes, headSteps: c.headSteps }),
        // The same number of steps in all: the scratch network gets the pretext one's head-only steps too.
        steps: from === 'pretext' ? steps : steps + c.headSteps,
        c: { ...c, resume: c.resume && hasCheckpoint(runDir) },
        runDir,
        signal: ctx.signal,
        log: ctx.log,
      });
      metrics[`${from === 'pretext' ? 'finetune' : 'scratch'}Accuracy_${shareName(fraction)}`] = r.accuracy;
      ctx.log(`  test accuracy ${r.accuracy.toFixed(4)}`);
      const keep = from === 'pretext' && fraction === fractions[fractions.length - 1];
      if (keep) served = { fraction, run: r, rows: rows.length };
      else r.model.dispose();
    }
  }
  if (!served) throw new Error('finetune: --label-fractions is empty');
  metrics.accuracy = served.run.accuracy;
  for (const k of Object.keys(metrics)) metrics[k] = round(metrics[k]!);

  const { model, history } = served.run;
  const onnx = exportLayersModel(model, { inputNames: ['x'], outputNames: ['probabilities', 'embedding'] });
  const parity = await checkedLayersParity(model, onnx, data.test, ['probabilities', 'embedding']);
  const classes = data.train.classNames.length;
  const base = manifestBase(ctx, history);
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...base,
      method: 'finetune',
      description: `${describeConvEncoder(arch)} + softmax ${classes}, initialised from ${source.manifest.name} ${source.manifest.version} (${source.manifest.method} pretext, sha256 ${source.manifest.onnx.sha256.slice(0, 12)}) and fine-tuned on ${shareName(served.fraction)} of the labels${c.headSteps > 0 ? ` after ${c.headSteps} steps on the softmax layer alone (LP-FT)` : ''} (${served.rows} images, random shifts ≤ 2 px)`,
      tasks: ['classify', 'embed'],
      dataset: { ...base.dataset, trainSize: served.rows },
      outputs: {
        probabilities: { name: 'probabilities', shape: [classes] },
        embedding: { name: 'embedding', shape: [arch.width] },
      },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      classNames: [...data.train.classNames],
      metrics,
    },
    onnx,
    false,
  );
  model.dispose();
  ctx.log(
    `test ${Object.entries(metrics)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ')}  parity ${parity.maxAbsError.toExponential(1)}  → ${artifact.dir}`,
  );
  return { artifact, finalLoss: history.finalLoss, metrics };
}

export const finetune: Method = {
  description:
    'downstream fine-tuning: a pretext --encoder fine-tuned on 1/10/100% of the labels vs the same network from scratch; serves /v1/classify',
  preset: {
    name: 'fmnist-classifier',
    dataset: 'fashion-mnist',
    // RotNet's encoder: the strongest committed pretext network (rotation accuracy above 0.98).
    encoder: 'fmnist-rotnet',
    // 3 passes over all labels; at least 200 steps (43 passes over the 1 % share) for the small shares.
    // The six runs take about half an hour on two cores.
    epochs: 3,
    batchSize: 128,
    baselineSteps: 200,
  },
  run,
};

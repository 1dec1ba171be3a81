// The downstream probe: the payoff of a pretext task. A committed encoder's ONNX graph (--encoder, any
// model with an `embedding` output) is frozen; linear probes are trained on its embeddings with 1%, 10%
// and 100% of the training labels and compared with the same conv encoder trained from scratch on the
// same labels. Serves /v1/classify: the encoder's graph with the probe of the largest label share
// appended (Gemm + Softmax), so the classifier is exactly the encoder that was evaluated.

import { IMAGE_PIXELS } from '../../worker/contract/image';
import { gatherBatch } from '../data/batches';
import { probeProbabilities } from '../eval/probe';
import { writeModelArtifact } from '../export/artifact';
import { graphUpTo } from '../export/compose';
import { maxAbsDifference, PARITY_TOLERANCE, runOnnx } from '../export/parity';
import { onnxEmbed, readEncoder } from './committed-encoder';
import { downstreamMetrics, shareName, splitEmbeddings } from './downstream';
import { type Method, type MethodContext, type MethodResult, manifestBase } from './method';
import { supervisedBaselineAccuracy } from './supervised-baseline';

const round = (v: number) => Number(v.toPrecision(6));

async function run(ctx: MethodContext): Promise<MethodResult> {
  const { config: c, data } = ctx;
  const started = performance.now();
  if (!c.encoder) {
    throw new Error('probe needs --encoder <model>: a model under --models-dir with an embedding output');
  }
  const encoder = readEncoder(c.modelsDir, c.encoder);
  const output = encoder.manifest.outputs.embedding!.name;
  ctx.log(
    `probing ${encoder.manifest.name} (${encoder.manifest.method}) on ${data.train.count} train / ${data.test.count} test images`,
  );
  const train = await onnxEmbed(encoder, data.train.images);
  const test = await onnxEmbed(encoder, data.test.images);
  const split = splitEmbeddings((images) => (images === data.train.images ? train : test), data);
  const classes = data.train.classNames.length;
  const { metrics, probes } = downstreamMetrics(split.train, split.test, classes, c, ctx.log);
  const served = probes.reduce((a, b) => (b.fraction > a.fraction ? b : a), probes[0]!);
  if (!served) throw new Error('probe: --probe-epochs 0 trains no probe, so there is nothing to serve');

  // The from-scratch baseline: the architecture the encoder was trained with (the config in its manifest).
  const trained = encoder.manifest.training.config as { convFilters?: number[]; representationDim?: number };
  const arch = {
    filters: trained.convFilters ?? c.convFilters,
    width: trained.representationDim ?? c.representationDim,
  };
  for (const { fraction, rows } of c.baselineSteps > 0 ? probes : []) {
    const subset = gatherBatch(data.train, rows);
    const labelled = { ...data.train, images: subset.images, labels: subset.labels, count: subset.size };
    const baseline = await supervisedBaselineAccuracy(labelled, data.test, arch, c, ctx.signal);
    metrics[`scratchAccuracy_${shareName(fraction)}`] = baseline;
    ctx.log(
      `from-scratch baseline, ${shareName(fraction)} of the labels: test accuracy ${baseline.toFixed(4)}`,
    );
  }
  for (const k of Object.keys(metrics)) metrics[k] = round(metrics[k]!);

  // x → embedding (the encoder's nodes) → Gemm(W, b) → Softmax = probabilities.
  const { graph: g, input, embedding, dim } = graphUpTo(encoder.bytes, output, c.name);
  const { weights, bias } = served.probe;
  const logits = g.op('Gemm', [
    embedding,
    g.floats('probe_W', [dim, classes], weights),
    g.floats('probe_b', [classes], bias),
  ]);
  g.output(g.op('Softmax', [logits], { axis: 1 }), 'probabilities', ['N', classes]);
  g.output(embedding, 'features', ['N', dim]);
  const onnx = g.toBytes();
  const n = Math.min(64, data.test.count);
  const got = await runOnnx(onnx, {
    [input]: { data: data.test.images.subarray(0, n * IMAGE_PIXELS), shape: [n, IMAGE_PIXELS] },
  });
  const parity = maxAbsDifference(
    probeProbabilities(served.probe, test.subarray(0, n * dim)),
    got.probabilities!,
  );
  if (parity > PARITY_TOLERANCE)
    throw new Error(`export parity failed: max abs error ${parity} > ${PARITY_TOLERANCE}`);

  const base = manifestBase(ctx, {
    steps: served.probe.steps,
    finalLoss: served.probe.trainLoss,
    seconds: (performance.now() - started) / 1000,
  });
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...base,
      method: 'probe',
      description: `Linear probe (softmax regression) on the frozen ${dim}-d embedding of ${encoder.manifest.name} ${encoder.manifest.version} (${encoder.manifest.method}, sha256 ${encoder.manifest.onnx.sha256.slice(0, 12)}), trained with ${shareName(served.fraction)} of the labels (${served.rows.length} images)`,
      tasks: ['classify'],
      dataset: { ...base.dataset, trainSize: served.rows.length },
      input: { ...base.input, name: input },
      outputs: {
        probabilities: { name: 'probabilities', shape: [classes] },
        embedding: { name: 'features', shape: [dim] },
      },
      onnx: { parityMaxAbsError: parity },
      classNames: [...data.train.classNames],
      training: { ...base.training, epochs: c.probeEpochs },
      metrics,
    },
    onnx,
  );
  ctx.log(
    `test ${Object.entries(metrics)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ')}  parity ${parity.toExponential(1)}  → ${artifact.dir}`,
  );
  return { artifact, finalLoss: served.probe.trainLoss, metrics };
}

export const probe: Method = {
  description:
    'downstream probe: linear classifiers on a frozen --encoder at 1/10/100% labels vs a from-scratch baseline; serves /v1/classify',
  preset: {
    name: 'fmnist-probe',
    dataset: 'fashion-mnist',
    encoder: 'fmnist-simclr',
    convFilters: [32, 64, 128],
  },
  run,
};

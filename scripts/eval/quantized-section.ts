// The int8 variants (`npm run models:quantize`, served with dtype "q8"): each image model's main metric
// with its float graph and with its q8 variant, on the same test images, both run with onnxruntime-web's
// wasm (what the worker serves with; onnxruntime-node's x86 uint8 × int8 kernels saturate, the wasm
// ones do not), and the change against the targets of issue 16: accuracy within 0.5 points, the
// reconstruction error within 5 %.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-web/wasm';
import { rotationExamples } from '../../train/augment/rotate';
import { jigsawExamples, randomPermutationClasses } from '../../train/augment/tiles';
import { spreadSubset } from '../../train/data/subset';
import { clusteringAccuracy } from '../../train/eval/clustering';
import { argmaxRows, knnAccuracy } from '../../train/eval/probe';
import { createWebSession, runWebInBatches } from '../../train/export/web-runtime';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import { JIGSAW_PERMUTATIONS } from '../../worker/contract/jigsaw';
import type { Manifest } from '../../worker/contract/manifest';
import { meanSquaredError } from '../../worker/contract/reconstruction-error';
import { createRng } from '../../worker/contract/rng';
import { ROTATION_ANGLES } from '../../worker/contract/rotation';
import { type EvalRun, SEED, type Splits } from './run';

/** kNN on embeddings uses a subset (k = 20, cosine): the change q8 − fp32 is what is compared. */
const KNN_TRAIN = 5000;
const KNN_TEST = 1000;

export interface QuantizedRow {
  model: string;
  metric: string;
  fp32: number;
  q8: number;
  kind: 'accuracy' | 'error';
}

const accuracy = (predicted: ArrayLike<number>, truth: ArrayLike<number>) =>
  Array.from(predicted).filter((c, i) => c === truth[i]).length / truth.length;

/** The rows of one model: every output it has that a task reads, in fp32 and q8. */
export async function quantizedRows(
  run: EvalRun,
  manifest: Manifest,
  splits: Splits,
): Promise<QuantizedRow[]> {
  const q8 = manifest.variants?.q8;
  if (q8 === undefined) return [];
  const dir = join(run.modelsDir, manifest.name);
  const sessions = {
    fp32: await createWebSession(new Uint8Array(readFileSync(join(dir, manifest.onnx.file)))),
    q8: await createWebSession(new Uint8Array(readFileSync(join(dir, q8.onnx.file)))),
  };
  try {
    const measure = async (session: ort.InferenceSession) => metricsOf(manifest, splits, session);
    const [a, b] = [await measure(sessions.fp32), await measure(sessions.q8)];
    return Object.entries(a).map(([metric, value]) => ({
      model: manifest.name,
      metric,
      fp32: value.value,
      q8: b[metric]!.value,
      kind: value.kind,
    }));
  } finally {
    await Promise.all([sessions.fp32.release(), sessions.q8.release()]);
  }
}

async function metricsOf(
  m: Manifest,
  { train, test }: Splits,
  session: ort.InferenceSession,
): Promise<Record<string, { value: number; kind: QuantizedRow['kind'] }>> {
  const out: Record<string, { value: number; kind: QuantizedRow['kind'] }> = {};
  const run = async (images: Float32Array, role: string) =>
    (await runWebInBatches(session, m.input.name, images, IMAGE_PIXELS, [m.outputs[role]!.name]))[
      m.outputs[role]!.name
    ]!;
  if (m.outputs.reconstruction) {
    out.mse = {
      value: meanSquaredError(await run(test.images, 'reconstruction'), test.images),
      kind: 'error',
    };
  }
  if (m.outputs.rotationProbabilities) {
    const examples = rotationExamples(test.images);
    const p = await run(examples.images, 'rotationProbabilities');
    out.rotationAccuracy = {
      value: accuracy(argmaxRows(p, ROTATION_ANGLES.length), examples.labels),
      kind: 'accuracy',
    };
  }
  if (m.outputs.permutationProbabilities) {
    const examples = jigsawExamples(test.images, randomPermutationClasses(test.count, createRng(SEED)));
    const p = await run(examples.images, 'permutationProbabilities');
    out.jigsawAccuracy = {
      value: accuracy(argmaxRows(p, JIGSAW_PERMUTATIONS.length), examples.labels),
      kind: 'accuracy',
    };
  }
  if (m.outputs.probabilities && m.tasks.includes('classify')) {
    const p = await run(test.images, 'probabilities');
    out.classifierAccuracy = {
      value: accuracy(argmaxRows(p, m.outputs.probabilities.shape[0]!), test.labels),
      kind: 'accuracy',
    };
  }
  if (m.outputs.cluster && m.tasks.includes('cluster')) {
    const assigned = Int32Array.from(await run(test.images, 'cluster'));
    out.clusterAccuracy = { value: clusteringAccuracy(assigned, test.labels), kind: 'accuracy' };
  }
  if (m.outputs.embedding && m.tasks.includes('embed')) {
    const [tr, te] = [spreadSubset(train, KNN_TRAIN), spreadSubset(test, KNN_TEST)];
    const [a, b] = [await run(tr.images, 'embedding'), await run(te.images, 'embedding')];
    const dim = m.outputs.embedding.shape[0]!;
    out.knnAccuracy = {
      value: knnAccuracy({ features: a, labels: tr.labels, dim }, { features: b, labels: te.labels, dim }),
      kind: 'accuracy',
    };
  }
  return out;
}

/** Whether a change meets the target: accuracy within 0.5 points, error within +5 %. */
export function withinTarget(row: QuantizedRow): boolean {
  return row.kind === 'accuracy' ? Math.abs(row.q8 - row.fp32) <= 0.005 : row.q8 <= row.fp32 * 1.05;
}

export function quantizedSection(run: EvalRun, rows: readonly QuantizedRow[]): string[] {
  if (rows.length === 0) return [];
  const f = (v: number, kind: QuantizedRow['kind']) => (kind === 'accuracy' ? v.toFixed(4) : v.toFixed(5));
  const change = (r: QuantizedRow) =>
    r.kind === 'accuracy'
      ? `${(r.q8 - r.fp32) * 100 >= 0 ? '+' : ''}${((r.q8 - r.fp32) * 100).toFixed(2)} points`
      : `${(r.q8 / r.fp32 - 1) * 100 >= 0 ? '+' : ''}${((r.q8 / r.fp32 - 1) * 100).toFixed(2)} %`;
  const within = rows.filter(withinTarget).length;
  return [
    '## int8 variants (dtype "q8")',
    '',
    'Each image model with its float graph and with its static int8 variant (`npm run models:quantize`; ' +
      'served with `dtype: "q8"`), on the same test images, both run with onnxruntime-web\'s wasm as the ' +
      "worker runs them. Targets: an accuracy within 0.5 points of fp32's, a reconstruction MSE at most 5 % " +
      `above it. kNN (k = 20, cosine) on ${KNN_TRAIN.toLocaleString('en')} training and ${KNN_TEST.toLocaleString('en')} test embeddings` +
      `${run.quick ? ' (quick mode: of the quick subsets)' : ''}.`,
    '',
    '| model | metric | fp32 | q8 | change | within target |',
    '|---|---|---:|---:|---:|:---:|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.metric} | ${f(r.fp32, r.kind)} | ${f(r.q8, r.kind)} | ${change(r)} | ${withinTarget(r) ? 'yes' : '**no**'} |`,
    ),
    '',
    `Within target: ${within} of ${rows.length} metrics.`,
    '',
  ];
}

// The scores of the outputs that are not images: the graph's own cluster ids, the rotation and jigsaw
// pretext tasks (their examples built as training builds them), a probe's classes, and a VAE's samples.
import { rotationExamples } from '../../train/augment/rotate';
import { jigsawExamples, randomPermutationClasses } from '../../train/augment/tiles';
import type { Dataset } from '../../train/data/dataset';
import { clusteringAccuracy, normalizedMutualInformation } from '../../train/eval/clustering';
import { argmaxRows } from '../../train/eval/probe';
import type { CommittedModel } from '../../train/eval/report/committed-model';
import { imageGridPng } from '../../train/eval/report/image-grid';
import { IMAGE_PIXELS as PIXELS } from '../../worker/contract/image';
import { JIGSAW_PERMUTATIONS } from '../../worker/contract/jigsaw';
import { createRng, priorSample } from '../../worker/contract/rng';
import { ROTATION_ANGLES } from '../../worker/contract/rotation';
import { type EvalRun, SEED } from './run';

const accuracy = (predicted: ArrayLike<number>, truth: ArrayLike<number>) =>
  Array.from(predicted).filter((c, i) => c === truth[i]).length / truth.length;

export async function pretextMetrics(
  run: EvalRun,
  model: CommittedModel,
  test: Dataset,
  testOut: Record<string, Float32Array>,
): Promise<{ metrics: Record<string, number>; pictures: string[] }> {
  const { manifest: m } = model;
  const metrics: Record<string, number> = {};
  const pictures: string[] = [];
  if (testOut.cluster && m.tasks.includes('cluster')) {
    // The graph's own assignment (its ArgMin), not one recomputed from the distances.
    const assigned = Int32Array.from(testOut.cluster);
    metrics.clusterAccuracy = clusteringAccuracy(assigned, test.labels);
    metrics.clusterNmi = normalizedMutualInformation(assigned, test.labels);
  }
  if (testOut.rotationProbabilities) {
    // Every test image at each of the four rotations, built as RotNet's training examples are.
    const examples = rotationExamples(test.images);
    const out = (await model.run(examples.images, ['rotationProbabilities'])).rotationProbabilities!;
    metrics.rotationAccuracy = accuracy(argmaxRows(out, ROTATION_ANGLES.length), examples.labels);
  }
  if (testOut.permutationProbabilities) {
    // One permutation per test image, drawn and applied as the jigsaw method's training does.
    const examples = jigsawExamples(test.images, randomPermutationClasses(test.count, createRng(SEED)));
    const out = (await model.run(examples.images, ['permutationProbabilities'])).permutationProbabilities!;
    metrics.jigsawAccuracy = accuracy(argmaxRows(out, JIGSAW_PERMUTATIONS.length), examples.labels);
  }
  if (testOut.probabilities) {
    const p = argmaxRows(testOut.probabilities, m.outputs.probabilities!.shape[0]!);
    metrics.classifierAccuracy = accuracy(p, test.labels);
    // The from-scratch baseline needs hours of supervised training: it is taken from the probe
    // model's manifest, where its training command recorded it.
    for (const [key, value] of Object.entries(m.metrics))
      if (key.startsWith('scratchAccuracy_')) metrics[key] = value;
    const encoder = (m.training.config as { encoder?: string }).encoder;
    if (encoder) run.probeEncoders.set(m.name, encoder);
  }
  if (model.generate && m.generator) {
    const dims = m.generator.latent.dims;
    const samples = await model.generate(priorSample(20, dims, SEED));
    // Interpolate between the codes (μ) of two test images of different classes.
    const mu = testOut.embedding!;
    const a = 0;
    const b = Array.from(test.labels).findIndex((l) => l !== test.labels[0]);
    const steps = 10;
    const path = Float32Array.from({ length: steps * dims }, (_, i) => {
      const t = Math.floor(i / dims) / (steps - 1);
      const d = i % dims;
      return (1 - t) * mu[a * dims + d]! + t * mu[b * dims + d]!;
    });
    const between = await model.generate(path);
    const grid = imageGridPng([samples.subarray(0, 10 * PIXELS), samples.subarray(10 * PIXELS)], 10);
    pictures.push(run.writeReport(`vae-samples-${m.name}.png`, grid));
    pictures.push(run.writeReport(`vae-interpolation-${m.name}.png`, imageGridPng([between], steps)));
    if (m.metrics.elbo !== undefined) metrics.elboFromManifest = m.metrics.elbo;
  }
  return { metrics, pictures };
}

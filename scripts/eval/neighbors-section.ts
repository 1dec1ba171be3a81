// The report's "Nearest neighbours" section (issue 18): for each dataset, every embedding model's reference
// index as committed (the files /v1/neighbors searches) against held-out queries, evenly spaced images of
// the training split, which no index holds: precision@10 (the share of the 10 nearest items of the query's
// class), beside raw pixels searched the same way (cosine, int8 rows, the same reference set). Also what
// the int8 rows cost against an exact float32 search (recall@10), and the search time per query here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import { type Manifest, ManifestSchema } from '../../worker/contract/manifest';
import {
  decodeReferenceLabels,
  decodeReferenceVectors,
  encodeReferenceVectors,
  nearestNeighbors,
  type ReferenceVectors,
} from '../../worker/contract/reference-index';
import { embedWith, referenceDataFor } from '../reference/build';
import {
  exactNeighbors,
  HELD_OUT_QUERIES,
  heldOutQueries,
  PRECISION_K,
  precisionAtK,
  recallAtK,
} from '../reference/precision';
import { formatNumber, markdownTable } from './markdown';
import { DATASETS, type EvalRun, type Splits } from './run';

/** Queries whose exact float32 answers are computed too (a brute force per query, in plain JS). */
const RECALL_QUERIES = 500;

interface SearchRow {
  embedding: string;
  dims: number;
  bytes?: number;
  precision?: number;
  recall?: number;
  msPerQuery?: number;
  note?: string;
}

const fileBuffer = (path: string): ArrayBuffer => {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};

/** Searches `vectors` with every query; recall is measured on the first queries, whose exact answers are given. */
function searchRow(
  embedding: string,
  vectors: ReferenceVectors,
  labels: ArrayLike<number>,
  queries: Float32Array,
  queryLabels: ArrayLike<number>,
  exactTop: readonly (readonly number[])[],
): SearchRow {
  const started = performance.now();
  const found = nearestNeighbors(vectors, queries, PRECISION_K);
  const msPerQuery = (performance.now() - started) / found.length;
  return {
    embedding,
    dims: vectors.dims,
    precision: precisionAtK(found, labels, queryLabels),
    recall: recallAtK(found.slice(0, exactTop.length), exactTop),
    msPerQuery,
  };
}

export async function neighborsSection(
  run: EvalRun,
  models: readonly string[],
  data: Readonly<Record<string, Splits | string>>,
): Promise<string[]> {
  const manifests = models
    .map((name) =>
      ManifestSchema.parse(JSON.parse(readFileSync(join(run.modelsDir, name, 'manifest.json'), 'utf8'))),
    )
    .filter((m) => m.input.layout === '28x28-row-major' && m.tasks.includes('embed'));
  const lines: string[] = [];
  for (const dataset of DATASETS) {
    const splits = data[dataset];
    const reference = await referenceDataFor(dataset);
    if (splits === undefined || typeof splits === 'string' || reference === undefined) continue;
    const set = reference.reference;
    const queries = heldOutQueries(splits.train, run.quick ? HELD_OUT_QUERIES / 10 : HELD_OUT_QUERIES);
    const recallCount = Math.min(queries.count, run.quick ? 50 : RECALL_QUERIES);
    const firstQueries = (embedded: Float32Array, dims: number) => embedded.subarray(0, recallCount * dims);
    run.log(`nearest neighbours (${dataset}): ${queries.count} held-out queries against ${set.count} items`);

    const pixelVectors = decodeReferenceVectors(
      encodeReferenceVectors(set.images, IMAGE_PIXELS).buffer as ArrayBuffer,
      set.count,
      IMAGE_PIXELS,
    );
    const rows: SearchRow[] = [
      {
        ...searchRow(
          'pixels',
          pixelVectors,
          set.labels,
          queries.images,
          queries.labels,
          exactNeighbors(set.images, IMAGE_PIXELS, firstQueries(queries.images, IMAGE_PIXELS), PRECISION_K),
        ),
        bytes: set.count * IMAGE_PIXELS,
      },
    ];
    for (const manifest of manifests.filter((m) => m.dataset.name === dataset)) {
      rows.push(
        await modelRow(run, manifest, set.count, set.images, queries.images, queries.labels, firstQueries),
      );
    }
    lines.push(
      `### ${dataset === 'mnist' ? 'MNIST' : 'Fashion-MNIST'}: ${set.count.toLocaleString('en')} reference items, ${queries.count.toLocaleString('en')} held-out queries`,
      '',
      markdownTable(
        [
          'embedding',
          'dims',
          'index',
          `precision@${PRECISION_K}`,
          `recall@${PRECISION_K} vs float32`,
          'ms / query',
        ],
        rows.map((r) => [
          r.note ? `${r.embedding} (${r.note})` : r.embedding,
          String(r.dims),
          r.bytes === undefined ? '–' : `${(r.bytes / 1024).toFixed(0)} KiB`,
          formatNumber(r.precision),
          formatNumber(r.recall),
          formatNumber(r.msPerQuery, 2),
        ]),
      ),
      '',
    );
  }
  if (lines.length === 0) return [];
  return [
    '## Nearest neighbours (`/v1/neighbors`)',
    '',
    `Each embedding model's reference index (\`npm run models:index\`: the dataset's test split, embedded by the model's own graph, stored as int8 rows) searched exactly by cosine similarity, as the worker does, with held-out queries: evenly spaced images of the training split, which no index holds. **precision@${PRECISION_K}**: the share of the ${PRECISION_K} nearest reference items of the query's class, what a "more like this" list shows a user. Raw pixels are searched the same way over the same items. **recall@${PRECISION_K} vs float32**: how much of the exact float32 top ${PRECISION_K} the int8 rows keep (on the first ${run.quick ? 50 : RECALL_QUERIES} queries). ms / query: this search in Node on this machine, single-threaded.`,
    '',
    ...lines,
  ];
}

async function modelRow(
  run: EvalRun,
  manifest: Manifest,
  count: number,
  referenceImages: Float32Array,
  queries: Float32Array,
  queryLabels: ArrayLike<number>,
  firstQueries: (embedded: Float32Array, dims: number) => Float32Array,
): Promise<SearchRow> {
  const { name, reference } = manifest;
  const dims = manifest.outputs['embedding']?.shape[0] ?? 0;
  if (reference === undefined)
    return { embedding: name, dims, note: `no index: npm run models:index -- ${name}` };
  if (reference.count !== count) {
    return {
      embedding: name,
      dims,
      note: `its index holds ${reference.count} items, not this split's ${count}`,
    };
  }
  run.log(`nearest neighbours: ${name}`);
  const dir = join(run.modelsDir, name);
  const vectors = decodeReferenceVectors(
    fileBuffer(join(dir, reference.vectors.file)),
    count,
    reference.dims,
  );
  const labels = decodeReferenceLabels(
    fileBuffer(join(dir, reference.labels.file)),
    count,
    reference.classNames.length,
  );
  const embedded = await embedWith(run.modelsDir, manifest, queries);
  const referenceEmbeddings = await embedWith(run.modelsDir, manifest, referenceImages);
  const exact = exactNeighbors(referenceEmbeddings, dims, firstQueries(embedded, dims), PRECISION_K);
  return {
    ...searchRow(name, vectors, labels, embedded, queryLabels, exact),
    bytes: reference.vectors.bytes + reference.labels.bytes,
  };
}

// npm run models:index -- <name …> | --all  [--models-dir models] [--data-dir DIR] [--queries 2000]
//
// Builds the reference index of each embedding model (issue 18; worker/contract/reference-index.ts):
// its dataset's test split embedded by the model's own ONNX graph, normalised and stored as int8 rows,
// with the labels and the images, as files of the model's version named in its manifest. Then /v1/neighbors
// can search it and /v1/models/:name/reference/:index show what was found. `--all` rebuilds every image
// model of models/index.json that embeds, in one step (rerun it after retraining: an index is valid only
// for the graph that embedded it, and the manifest schema refuses one built by another graph).
//
// For each model it prints the files' sizes and precision@10 on held-out queries (evenly spaced training
// images, which the index never saw), the number `npm run eval` reports.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelIndexSchema } from '../worker/contract/manifest';
import { decodeReferenceVectors } from '../worker/contract/reference-index';
import {
  buildReferenceIndex,
  embedWith,
  IndexRefused,
  indexable,
  readManifest,
  referenceDataOf,
} from './reference/build';
import { HELD_OUT_QUERIES, heldOutQueries, measurePrecision, PRECISION_K } from './reference/precision';

const USAGE = 'usage: npm run models:index -- <name …> | --all [--models-dir models] [--data-dir DIR]';

export interface IndexOptions {
  modelsDir: string;
  dataDir?: string;
  /** Held-out queries for the printed precision@10; 0 skips the measurement. */
  queries: number;
  log: (line: string) => void;
}

/** The models `--all` indexes: every listed image model that embeds, in index order. */
export function indexableModels(modelsDir: string): { names: string[]; skipped: string[] } {
  const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(modelsDir, 'index.json'), 'utf8')));
  const names: string[] = [];
  const skipped: string[] = [];
  for (const name of index.models) {
    const reason = indexable(readManifest(modelsDir, name));
    if (reason === undefined) names.push(name);
    else skipped.push(reason);
  }
  return { names, skipped };
}

export async function indexModels(names: readonly string[], options: IndexOptions): Promise<void> {
  const { modelsDir, log } = options;
  for (const name of names) {
    const manifest = readManifest(modelsDir, name);
    const data = await referenceDataOf(manifest, options.dataDir ? { dir: options.dataDir } : {});
    const built = await buildReferenceIndex(modelsDir, name, data);
    const { reference } = built.manifest;
    const sizes = Object.entries(built.files)
      .map(([file, bytes]) => `${file} ${(bytes / 1024).toFixed(0)} KiB`)
      .join(', ');
    let line = `${name}@${built.manifest.version}: ${reference!.count} × ${reference!.dims} embedded in ${built.embedSeconds.toFixed(1)} s; ${sizes}`;
    if (options.queries > 0) {
      const queries = heldOutQueries(await data.heldOut(), options.queries);
      const embedded = await embedWith(modelsDir, built.manifest, queries.images);
      const bytes = readFileSync(join(modelsDir, name, reference!.vectors.file));
      const vectors = decodeReferenceVectors(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        reference!.count,
        reference!.dims,
      );
      const { precision, msPerQuery } = measurePrecision(
        vectors,
        data.reference.labels,
        embedded,
        queries.labels,
      );
      line += `; precision@${PRECISION_K} ${precision.toFixed(3)} on ${queries.count} held-out training images (${msPerQuery.toFixed(2)} ms a query)`;
    }
    log(line);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      all: { type: 'boolean', default: false },
      'models-dir': { type: 'string', default: 'models' },
      'data-dir': { type: 'string' },
      queries: { type: 'string', default: String(HELD_OUT_QUERIES) },
    },
  });
  if (values.all === positionals.length > 0) throw new IndexRefused(USAGE);
  const queries = Number(values.queries);
  if (!Number.isInteger(queries) || queries < 0)
    throw new IndexRefused(`--queries must be a whole number ≥ 0, got ${values.queries}`);
  const modelsDir = values['models-dir'];
  let names = positionals;
  if (values.all) {
    const found = indexableModels(modelsDir);
    for (const reason of found.skipped) console.log(`skipped: ${reason}`);
    names = found.names;
  }
  await indexModels(names, {
    modelsDir,
    queries,
    log: (line) => console.log(line),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  });
  console.log(
    `wrote the reference indexes of ${names.length} models under ${relative(process.cwd(), modelsDir) || '.'}/`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof IndexRefused ? error.message : error);
    process.exitCode = 1;
  });
}

// /v1/neighbors in the serving benchmark (issue 18): one model per reference-index size the committed
// models ship (rows × dims), each asked for its 10 nearest items at batch 1 and 64, beside /v1/embed of
// the same model (the embedding a search starts with), on the worker and on Node; and the exact search
// alone (worker/contract/reference-index.ts, no HTTP, no model) in this process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../worker/contract/manifest';
import { decodeReferenceVectors, nearestNeighbors } from '../../worker/contract/reference-index';
import type { BundledModels } from '../../worker/store/bundled-store';
import { batchOf, type Latency, latency, quantile } from './serve-measure';
import { fmt, QUICK, REQUESTS, ratio } from './serve-settings';

export const NEIGHBORS_K = 10;

export interface IndexSize {
  model: string;
  count: number;
  dims: number;
  bytes: number;
}

/** The smallest-named served model of each index size, smallest index first. */
export function indexSizes(bundle: BundledModels, served: readonly string[]): IndexSize[] {
  const sizes = new Map<string, IndexSize>();
  for (const name of served.toSorted()) {
    const reference = (bundle.models[name]?.manifest as Partial<Manifest> | undefined)?.reference;
    if (reference === undefined) continue;
    const key = `${reference.count}×${reference.dims}`;
    if (!sizes.has(key)) {
      sizes.set(key, {
        model: name,
        count: reference.count,
        dims: reference.dims,
        bytes: reference.vectors.bytes + reference.labels.bytes,
      });
    }
  }
  return [...sizes.values()].sort((a, b) => a.count * a.dims - b.count * b.dims);
}

/** By "side task model batch": /v1/neighbors and /v1/embed of each size's model. */
export async function measureNeighbors(
  side: string,
  url: string,
  sizes: readonly IndexSize[],
  into: Map<string, Latency>,
): Promise<void> {
  for (const { model } of sizes) {
    for (const n of [1, 64] as const) {
      for (const task of ['embed', 'neighbors'] as const) {
        console.log(`${side}: /v1/${task} ${model} batch ${n}`);
        const body = { model, images: batchOf(n), ...(task === 'neighbors' ? { k: NEIGHBORS_K } : {}) };
        into.set(`${side} ${task} ${model} ${n}`, await latency(`${url}/v1/${task}`, body, REQUESTS[n]));
      }
    }
  }
}

/** The search alone, in this Node process: p50 / p99 over repeated searches with seeded queries. */
export function searchOnly(size: IndexSize, n: 1 | 64): { p50: number; p99: number } {
  const reference = JSON.parse(readFileSync(join('models', size.model, 'manifest.json'), 'utf8')).reference;
  const bytes = readFileSync(join('models', size.model, reference.vectors.file));
  const vectors = decodeReferenceVectors(new Uint8Array(bytes).buffer, size.count, size.dims);
  const queries = Float32Array.from({ length: n * size.dims }, (_, i) => Math.sin(i * 12.9898) * 0.5);
  const repeats = QUICK ? 5 : n === 1 ? 200 : 20;
  nearestNeighbors(vectors, queries, NEIGHBORS_K); // warm-up: JIT
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    nearestNeighbors(vectors, queries, NEIGHBORS_K);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

export function neighborsReport(
  sizes: readonly IndexSize[],
  latencies: ReadonlyMap<string, Latency>,
): string[] {
  if (sizes.length === 0) return [];
  const lines = [
    '### Nearest neighbours (`/v1/neighbors`, k = 10) beside `/v1/embed`',
    '',
    'One model per reference-index size the committed models ship (items × dims; the index is int8 rows plus a ' +
      'label byte per item), the same JSON requests as above. `/v1/neighbors` embeds the images with the ' +
      "model's graph, then scans every item exactly; the difference to `/v1/embed` is the search (and " +
      "the first search's index load, done in the warm-up). *Search only*: the same scan in this Node process, " +
      'without HTTP or a model.',
    '',
    'p50 / p99 in ms. *wrangler dev* goes through its proxy; *Miniflare* is the same worker in workerd ' +
      "without it (the runtime's own per-request cost); *Node* the same app on onnxruntime-node.",
    '',
    '| model | index | batch | wrangler dev embed | wrangler dev neighbors | Miniflare embed | Miniflare neighbors | Miniflare neighbors / embed | Node embed | Node neighbors | search only |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const cell = (l: Latency | undefined) => (l === undefined ? '–' : `${fmt(l.p50)} / ${fmt(l.p99)}`);
  for (const size of sizes) {
    for (const n of [1, 64] as const) {
      const get = (side: string, task: string) => latencies.get(`${side} ${task} ${size.model} ${n}`);
      const search = searchOnly(size, n);
      lines.push(
        `| ${size.model} | ${size.count.toLocaleString('en')} × ${size.dims} (${(size.bytes / 1024).toFixed(0)} KiB) | ${n} | ${cell(get('worker', 'embed'))} | ${cell(get('worker', 'neighbors'))} | ${cell(get('miniflare', 'embed'))} | ${cell(get('miniflare', 'neighbors'))} | ${ratio(get('miniflare', 'neighbors')?.p50 ?? Number.NaN, get('miniflare', 'embed')?.p50 ?? Number.NaN)} | ${cell(get('node', 'embed'))} | ${cell(get('node', 'neighbors'))} | ${fmt(search.p50, 2)} / ${fmt(search.p99, 2)} |`,
      );
    }
  }
  lines.push('');
  return lines;
}

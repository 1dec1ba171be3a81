// The reference data of /v1/neighbors counts against the memory budget (issue 18 over issue 16's budget;
// worker/serving/memory-budget.ts, REFERENCE_BYTES): each index, and the images and labels of the reference
// item route, is charged before it is read, held in a least-recently-used pool within its share of
// ORT_MEMORY_BUDGET_MIB, released to make room, and read again on the next use with the same answers. What
// cannot fit the share on its own is a 503 that names the budget, for that search only.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../worker/app';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import { wasmRuntime } from '../../worker/runtime/ort';
import {
  DEFAULT_MEMORY_BUDGET_MIB,
  REFERENCE_BYTES,
  RESERVED_BYTES,
  referenceIndexBytes,
} from '../../worker/serving/memory-budget';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { BundledStore } from '../../worker/store/bundled-store';
import { bundledFiles, bundledManifest, index, jsonInit, statusAndBody, testImagesFor } from './support';

const MIB = 2 ** 20;

interface Memory {
  budgetBytes: number;
  reservedBytes: number;
  chargedBytes: number;
  wasmHeapBytes: number;
  references: {
    budgetBytes: number;
    chargedBytes: number;
    evictions: number;
    indexes: { model: string; bytes: number }[];
    files: { file: string; sha256: string; bytes: number }[];
  };
}

function app(options: { memoryBudgetBytes?: number; referenceBudgetBytes?: number } = {}) {
  const served = createApp({
    runtime: wasmRuntime(),
    store: new BundledStore(bundledModels, bundledFiles),
    ...options,
  });
  return {
    search: async (model: string, k = 5) => {
      const images = testImagesFor(bundledManifest(model)).slice(0, 2);
      return statusAndBody(await served.request('/v1/neighbors', jsonInit({ model, images, k })));
    },
    post: async (path: string, body: unknown) => statusAndBody(await served.request(path, jsonInit(body))),
    get: async (path: string) =>
      statusAndBody(await served.request(path, { headers: { accept: 'application/json' } })),
    memory: async () => (await (await served.request('/healthz')).json<{ memory: Memory }>()).memory,
  };
}

const withIndex = index.models.filter((name) => bundledManifest(name).reference !== undefined);
const indexBytes = (name: string) => referenceIndexBytes(bundledManifest(name).reference!);
const version = (name: string) => `${name}@${bundledManifest(name).version}`;

describe('the reference share of the default budget', () => {
  it('is REFERENCE_BYTES of ORT_MEMORY_BUDGET_MIB, taken from what the sessions get', async () => {
    const memory = await app().memory();
    expect(memory.budgetBytes).toBe(DEFAULT_MEMORY_BUDGET_MIB * MIB);
    expect(memory.references).toEqual({
      budgetBytes: REFERENCE_BYTES,
      chargedBytes: 0,
      evictions: 0,
      indexes: [],
      files: [],
    });
  });

  it('charges each index searched what it holds, releases the least recently used to stay within the share, and answers alike after', async () => {
    const served = app();
    // The premise: every committed index and the shared reference images together exceed the share.
    const images = bundledManifest(index.defaults.neighbors!).reference!.count * IMAGE_PIXELS;
    expect(withIndex.reduce((sum, name) => sum + indexBytes(name), images)).toBeGreaterThan(REFERENCE_BYTES);

    const first = new Map<string, unknown>();
    for (const name of withIndex) {
      const answer = await served.search(name);
      expect(answer.status, name).toBe(200);
      first.set(name, answer.body);
      const { references } = await served.memory();
      // The index just searched is held, charged exactly its bytes; all held stays within the share.
      expect(references.indexes).toContainEqual({ model: version(name), bytes: indexBytes(name) });
      expect(references.chargedBytes).toBe(
        [...references.indexes, ...references.files].reduce((sum, held) => sum + held.bytes, 0),
      );
      expect(references.chargedBytes).toBeLessThanOrEqual(references.budgetBytes);
    }
    // The reference images (7.5 MiB decoded for Fashion-MNIST) push indexes out.
    const item = await served.get(`/v1/models/${index.defaults.neighbors}/reference/3`);
    expect(item.status).toBe(200);
    const after = await served.memory();
    expect(after.references.files.map((f) => f.file).sort()).toEqual([
      'reference-images.bin.gz',
      'reference-labels.bin',
    ]);
    expect(after.references.chargedBytes).toBeLessThanOrEqual(after.references.budgetBytes);
    expect(after.references.evictions).toBeGreaterThan(0);
    expect(after.references.indexes.length).toBeLessThan(withIndex.length);
    // What the budget bounds: ORT's heap, which never shrinks, and the reference data held now.
    expect(after.wasmHeapBytes + after.references.chargedBytes).toBeLessThanOrEqual(after.budgetBytes);
    expect(after.chargedBytes).toBeLessThanOrEqual(
      after.budgetBytes - after.reservedBytes - after.references.budgetBytes,
    );

    for (const name of withIndex) {
      expect(await served.search(name), `${name}, read again`).toEqual({
        status: 200,
        body: first.get(name),
      });
    }
  });
});

describe('a share too small for an index', () => {
  const big = withIndex.toSorted((a, b) => indexBytes(b) - indexBytes(a))[0]!;
  const small = withIndex.toSorted((a, b) => indexBytes(a) - indexBytes(b))[0]!;
  // Room for the smallest index, not for the biggest.
  const share = Math.floor((indexBytes(small) + indexBytes(big)) / 2);
  const tight = () => app({ referenceBudgetBytes: share });

  it('is a 503 naming the budget for that model’s search only; its other tasks and smaller indexes serve', async () => {
    expect(indexBytes(small)).toBeLessThan(indexBytes(big));
    const served = tight();
    expect(await served.search(big)).toEqual({
      status: 503,
      body: {
        error: {
          code: 'model_unavailable',
          message: `Model "${big}" is unavailable: it needs ${(indexBytes(big) / MIB).toFixed(1)} MiB for its reference index, more than the memory budget leaves for reference data: ${(share / MIB).toFixed(1)} MiB of ORT_MEMORY_BUDGET_MIB = ${DEFAULT_MEMORY_BUDGET_MIB}`,
        },
      },
    });
    const embed = await served.post('/v1/embed', { model: big, images: testImagesFor(bundledManifest(big)) });
    expect(embed.status).toBe(200);
    expect((await served.search(small)).status).toBe(200);
    expect((await served.memory()).references.indexes).toEqual([
      { model: version(small), bytes: indexBytes(small) },
    ]);
  });

  it('is a 503 for the reference images that cannot fit, naming the budget; the search still answers', async () => {
    const served = tight();
    const name = index.defaults.neighbors!;
    const count = bundledManifest(name).reference!.count;
    const item = await served.get(`/v1/models/${name}/reference/0`);
    expect(item).toEqual({
      status: 503,
      body: {
        error: {
          code: 'model_unavailable',
          message: `Model "${name}" is unavailable: it needs ${((count * IMAGE_PIXELS) / MIB).toFixed(1)} MiB for its reference images, more than the memory budget leaves for reference data: ${(share / MIB).toFixed(1)} MiB of ORT_MEMORY_BUDGET_MIB = ${DEFAULT_MEMORY_BUDGET_MIB}`,
        },
      },
    });
    expect((await served.search(small)).status).toBe(200);
  });

  it('never takes more than the budget leaves after ORT’s reserve', async () => {
    const budget = RESERVED_BYTES + 4 * MIB;
    const memory = await app({ memoryBudgetBytes: budget }).memory();
    expect(memory.references.budgetBytes).toBe(4 * MIB);
    expect(memory.budgetBytes).toBe(budget);
  });
});

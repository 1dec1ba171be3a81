// ORT's memory under the budget (README, "Memory"; worker/serving/memory-budget.ts): the worker uses every
// committed model in turn, in every precision, at batch 64, and its WebAssembly heap stays within the
// budget of wrangler.toml while least recently used versions are released; the answers after those
// releases are the answers before. A tighter budget releases more and still answers alike, also with
// requests in flight; a model that cannot fit on its own is a 503 that names the budget.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../worker/app';
import type { Manifest, Task } from '../../worker/contract/manifest';
import { wasmRuntime } from '../../worker/runtime/ort';
import {
  DEFAULT_MEMORY_BUDGET_MIB,
  memoryBudgetBytes,
  REFERENCE_BYTES,
  RESERVED_BYTES,
  rowsPerRun,
  sessionCharge,
} from '../../worker/serving/memory-budget';
import { OverBudgetError, SessionPool } from '../../worker/serving/session-pool';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { BundledStore } from '../../worker/store/bundled-store';
import { bundledFiles, bundledManifest, index, jsonInit, statusAndBody, testImagesFor } from './support';

const MIB = 2 ** 20;
const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);

const PATHS: Partial<Record<Task, string>> = {
  embed: '/v1/embed',
  reconstruct: '/v1/reconstruct',
  denoise: '/v1/denoise',
  cluster: '/v1/cluster',
  rotation: '/v1/rotation',
  jigsaw: '/v1/jigsaw',
  classify: '/v1/classify',
  'text-embed': '/v1/text/embed',
};

/** 64 test images of the model's dataset (the 16 of the fixture, four times). */
const batch64 = (manifest: Manifest) => Array.from({ length: 4 }, () => testImagesFor(manifest)).flat();
const TEXTS = Array.from(
  { length: 64 },
  (_, i) => ['a good book', 'the end of the day', 'i am going home'][i % 3],
);

interface Use {
  label: string;
  path: string;
  body: Record<string, unknown>;
}

/**
 * Every committed model, in each precision it has, through one of its endpoints (and its generator, and a
 * search of its reference index).
 */
const uses: Use[] = index.models.flatMap((name) => {
  const manifest = bundledManifest(name);
  const dtypes = manifest.variants?.q8 ? (['fp32', 'q8'] as const) : (['fp32'] as const);
  return dtypes.flatMap((dtype) => {
    const task = manifest.tasks.find((t) => PATHS[t] !== undefined)!;
    const body: Record<string, unknown> =
      task === 'text-embed'
        ? { model: name, texts: TEXTS }
        : { model: name, dtype, images: batch64(manifest) };
    const result: Use[] = [{ label: `${name} ${dtype} ${task}`, path: PATHS[task]!, body }];
    if (manifest.generator) {
      result.push({
        label: `${name} ${dtype} generate`,
        path: '/v1/generate',
        body: { model: name, dtype, count: 64, seed: 5 },
      });
    }
    // Its reference index too (issue 18): searching it holds the index in the budget's reference share.
    if (manifest.reference && dtype === 'fp32') {
      result.push({
        label: `${name} ${dtype} neighbors`,
        path: '/v1/neighbors',
        body: { model: name, images: batch64(manifest), k: 10 },
      });
    }
    return result;
  });
});

interface Memory {
  budgetBytes: number;
  reservedBytes: number;
  chargedBytes: number;
  wasmHeapBytes: number;
  evictions: number;
  references: { budgetBytes: number; chargedBytes: number };
}
/** What the budget bounds: ORT's heap (which never shrinks) and the reference data held now. */
const heldBytes = (memory: Memory) => memory.wasmHeapBytes + memory.references.chargedBytes;
const memoryOf = async (fetch: (path: string) => Promise<Response>) =>
  (await (await fetch('/healthz')).json<{ memory: Memory }>()).memory;

const firstAnswers = new Map<string, unknown>();

describe('every committed model in turn at batch 64, under the budget of wrangler.toml', () => {
  const ask = async (use: Use) => statusAndBody(await fetchApi(use.path, jsonInit(use.body)));

  it.each(uses.map((use) => [use.label, use] as const))('first round: %s', async (_, use) => {
    const result = await ask(use);
    expect(result.status).toBe(200);
    firstAnswers.set(use.label, result.body);
    const memory = await memoryOf((path) => fetchApi(path));
    expect(memory.budgetBytes).toBeLessThanOrEqual(96 * MIB);
    expect(heldBytes(memory)).toBeLessThanOrEqual(memory.budgetBytes);
    expect(memory.chargedBytes).toBeLessThanOrEqual(
      memory.budgetBytes - memory.reservedBytes - memory.references.budgetBytes,
    );
  });

  it('had to release versions to stay within the budget: every model at once would not fit', async () => {
    const memory = await memoryOf((path) => fetchApi(path));
    expect(memory.evictions).toBeGreaterThan(0);
  });

  it.each(uses.map((use) => [use.label, use] as const))(
    'second round, after releases: %s answers as before',
    async (_, use) => {
      const result = await ask(use);
      expect(result).toEqual({ status: 200, body: firstAnswers.get(use.label) });
      const memory = await memoryOf((path) => fetchApi(path));
      expect(heldBytes(memory)).toBeLessThanOrEqual(memory.budgetBytes);
    },
  );
});

/**
 * An app over the bundled models whose sessions get `sessionBytes` of its budget (the budget is that, the
 * reserve and the reference share; the heap is this isolate's, shared).
 */
function appWithBudget(sessionBytes: number) {
  const budgetBytes = RESERVED_BYTES + REFERENCE_BYTES + sessionBytes;
  const app = createApp({
    runtime: wasmRuntime(),
    store: new BundledStore(bundledModels, bundledFiles),
    memoryBudgetBytes: budgetBytes,
  });
  return {
    ask: async (use: Use) => statusAndBody(await app.request(use.path, jsonInit(use.body))),
    memory: () => memoryOf((path) => Promise.resolve(app.request(path))),
  };
}

describe('a tight budget', () => {
  const imageUses = uses.filter((use) => !use.path.startsWith('/v1/text/')).slice(0, 10);

  it('releases least recently used versions, keeps the charges within it, and answers alike', async () => {
    const tight = appWithBudget(12 * MIB);
    for (const use of imageUses) {
      expect(await tight.ask(use), use.label).toEqual({ status: 200, body: firstAnswers.get(use.label) });
      expect((await tight.memory()).chargedBytes).toBeLessThanOrEqual(12 * MIB);
    }
    expect((await tight.memory()).evictions).toBeGreaterThan(0);
  });

  it('never interrupts a request in flight: concurrent requests to more models than fit all answer alike', async () => {
    const tight = appWithBudget(8 * MIB);
    const results = await Promise.all(imageUses.map((use) => tight.ask(use)));
    results.forEach((result, i) => {
      expect(result, imageUses[i]!.label).toEqual({
        status: 200,
        body: firstAnswers.get(imageUses[i]!.label),
      });
    });
    expect((await tight.memory()).evictions).toBeGreaterThan(0);
  });

  it('answers 503 for a model that cannot fit on its own, naming the budget; the others serve', async () => {
    const tiny = appWithBudget(4 * MIB);
    const vae = bundledManifest('fmnist-vae');
    const charge = sessionCharge(vae.onnx.bytes) + sessionCharge(vae.generator!.bytes);
    const result = await tiny.ask({
      label: 'vae',
      path: '/v1/embed',
      body: { model: 'fmnist-vae', images: [batch64(vae)[0]] },
    });
    expect(result).toEqual({
      status: 503,
      body: {
        error: {
          code: 'model_unavailable',
          message: `Model "fmnist-vae" is unavailable: its fp32 sessions need ${(charge / MIB).toFixed(1)} MiB of ORT's memory, more than the memory budget leaves for sessions: 4.0 MiB of ORT_MEMORY_BUDGET_MIB = 48 (32.0 MiB are reserved for ORT's own heap and for running a batch, 12.0 MiB for reference indexes and images)`,
        },
      },
    });
    const pca = bundledManifest('fmnist-pca-32');
    expect(
      (
        await tiny.ask({
          label: 'pca',
          path: '/v1/embed',
          body: { model: pca.name, images: [batch64(pca)[0]] },
        })
      ).status,
    ).toBe(200);
    // Its int8 variant is a quarter of the size: it fits.
    expect(
      (
        await tiny.ask({
          label: 'vae q8',
          path: '/v1/embed',
          body: { model: 'fmnist-vae', dtype: 'q8', images: [batch64(vae)[0]] },
        })
      ).status,
    ).toBe(200);
  });
});

describe('ORT_MEMORY_BUDGET_MIB', () => {
  it('is read in MiB, and the default (64) stands for anything that is not a positive number', () => {
    expect(DEFAULT_MEMORY_BUDGET_MIB).toBe(64);
    expect(memoryBudgetBytes('48')).toBe(48 * MIB);
    expect(memoryBudgetBytes(' 80 ')).toBe(80 * MIB);
    for (const bad of [undefined, '', ' ', 'abc', '0', '-5', 'NaN', 'Infinity', '64MiB']) {
      expect(memoryBudgetBytes(bad), String(bad)).toBe(64 * MIB);
    }
  });
});

describe('rowsPerRun', () => {
  it('runs 64 image rows at a time, and fewer when each row has wide outputs', () => {
    expect(rowsPerRun([[784], [32]])).toBe(64);
    expect(rowsPerRun([[16, 4000], [64], [16, 16]])).toBe(16); // the text model's logits
    expect(rowsPerRun([[2 ** 21]])).toBe(1);
  });
});

describe('SessionPool', () => {
  const releasable = (name: string, log: string[]) => ({
    name,
    release: async () => {
      log.push(`release ${name}`);
    },
  });

  it('releases the least recently used versions first, until the new one fits', async () => {
    const log: string[] = [];
    const pool = new SessionPool<ReturnType<typeof releasable>>(10);
    const open = (name: string) => async () => {
      log.push(`open ${name}`);
      return releasable(name, log);
    };
    await pool.get('a', 4, open('a'));
    await pool.get('b', 4, open('b'));
    await pool.get('a', 4, open('a')); // a is now the most recently used
    await pool.get('c', 4, open('c'));
    expect(log).toEqual(['open a', 'open b', 'release b', 'open c']);
    expect(pool.open().map((e) => e.key)).toEqual(['a', 'c']);
    expect([pool.charged, pool.evictions]).toEqual([8, 1]);
  });

  it('refuses a version that cannot fit on its own, and forgets a failed opening and its charge', async () => {
    const pool = new SessionPool<{ release(): Promise<void> }>(10);
    await expect(pool.get('big', 11, async () => ({ release: async () => {} }))).rejects.toBeInstanceOf(
      OverBudgetError,
    );
    await expect(pool.get('bad', 5, () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt');
    expect([pool.charged, pool.open()]).toEqual([0, []]);
  });

  it('releases an evicted version only after the work already queued on it', async () => {
    const log: string[] = [];
    let finishRun: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      finishRun = resolve;
    });
    const value = {
      run: async () => {
        log.push('run starts');
        await running;
        log.push('run ends');
      },
      release: async () => {
        await running; // as ModelSession.release: queued after the runs
        log.push('released');
      },
    };
    const pool = new SessionPool<typeof value>(10);
    const a = await pool.get('a', 6, async () => value);
    const inFlight = a.run();
    const opening = pool.get('b', 6, async () => ({ ...value, release: async () => {} }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual(['run starts']); // b waits for a's release, which waits for a's run
    finishRun();
    await Promise.all([inFlight, opening]);
    expect(log).toEqual(['run starts', 'run ends', 'released']);
  });
});

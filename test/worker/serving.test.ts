// Unit level (app.request on createApp over stores of its own): model availability, what a model that
// fails its checks answers, task routing, concurrent requests, against the real bundled model.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../worker/app';
import { wasmRuntime } from '../../worker/runtime/ort';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { BundledStore } from '../../worker/store/bundled-store';
import { assetModelFiles } from '../../worker/store/model-files';
import type { ModelStore } from '../../worker/store/model-store';
import {
  bundledFiles,
  bundledGraph,
  digits,
  type ExtraModel,
  graphOnly,
  jsonInit,
  maxAbsDifference,
  statusAndBody,
  storeWith,
} from './support';

const runtime = wasmRuntime();
const INTACT = 'mnist-mlp-ae';
const intact = bundledModels.models[INTACT]!;
// Variants change the graph or the manifest, not the reference index: they go without one.
const intactManifest = graphOnly(intact.manifest as { name: string; tasks: string[] });
const images = [digits.digits[0]!.pixels];
const intactOnnx = await bundledGraph(INTACT);
const bundled = () => new BundledStore(bundledModels, bundledFiles);

/** The intact model's bytes with one byte flipped: what a corrupted upload or a bad disk would give. */
function tamperedBytes(): ArrayBuffer {
  const bytes = new Uint8Array(intactOnnx.slice(0));
  bytes[bytes.length - 100]! ^= 0xff;
  return bytes.buffer;
}

/** The intact model plus variants of it, as another store would hold them. */
function storeOfVariants(variants: Record<string, ExtraModel>): BundledStore {
  const index = {
    models: [INTACT, ...Object.keys(variants)],
    defaults: { embed: INTACT, reconstruct: INTACT },
  };
  return storeWith({ index, models: { [INTACT]: intact } }, variants);
}

const renamed = (name: string, changes: object = {}) => ({ ...intactManifest, name, ...changes });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a model whose bytes do not match its manifest', () => {
  const app = createApp({
    runtime,
    store: storeOfVariants({
      'tampered-ae': { manifest: renamed('tampered-ae'), files: { 'model.onnx': tamperedBytes() } },
    }),
  });

  it('is unavailable (503, with the reason logged) while the intact model keeps serving', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const tampered = await app.request('/v1/embed', jsonInit({ model: 'tampered-ae', images }));
    const body = (await statusAndBody(tampered)) as { status: number; body: { error: { message: string } } };
    expect(body.status).toBe(503);
    expect(body.body.error.message).toMatch(
      /^Model "tampered-ae" is unavailable: the sha256 of model\.onnx is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
    );
    expect(log).toHaveBeenCalledWith(
      expect.stringContaining('Model "tampered-ae" is unavailable: the sha256'),
    );

    const ok = await app.request('/v1/embed', jsonInit({ model: INTACT, images }));
    expect(ok.status).toBe(200);
  });

  it('stays unavailable on the next request: a failed load is not cached as a session', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const again = await app.request('/v1/reconstruct', jsonInit({ model: 'tampered-ae', images }));
    expect(again.status).toBe(503);
  });
});

describe('a model whose graph was not deployed with the worker', () => {
  const app = createApp({
    runtime,
    store: storeOfVariants({ 'undeployed-ae': { manifest: renamed('undeployed-ae'), files: {} } }),
  });

  it('is listed, but unavailable (503 naming the file) while the intact model keeps serving', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const list = await (await app.request('/v1/models')).json<{ models: { name: string }[] }>();
    expect(list.models.map((m) => m.name)).toEqual([INTACT, 'undeployed-ae']);
    const result = await statusAndBody(
      await app.request('/v1/embed', jsonInit({ model: 'undeployed-ae', images })),
    );
    expect(result).toEqual({
      status: 503,
      body: {
        error: {
          code: 'model_unavailable',
          message:
            'Model "undeployed-ae" is unavailable: model.onnx was not deployed with the worker (the build copies it)',
        },
      },
    });
    const file = await statusAndBody(await app.request('/v1/models/undeployed-ae/model.onnx'));
    expect(file.status).toBe(503);
    expect((await app.request('/v1/embed', jsonInit({ model: INTACT, images }))).status).toBe(200);
  });
});

describe('a worker without the ASSETS binding', () => {
  it('answers 503 for a model whose graph is an asset, saying the binding is missing', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const store = new BundledStore(
      { index: { models: [INTACT], defaults: { embed: INTACT } }, models: { [INTACT]: intact } },
      assetModelFiles(undefined),
    );
    const result = await statusAndBody(
      await createApp({ runtime, store }).request('/v1/embed', jsonInit({ images })),
    );
    expect(result).toEqual({
      status: 503,
      body: {
        error: {
          code: 'model_unavailable',
          message: `Model "${INTACT}" is unavailable: model.onnx cannot be read: the worker has no ASSETS binding ([assets] binding = "ASSETS" in wrangler.toml)`,
        },
      },
    });
  });
});

describe('graphs bundled in the script', () => {
  it('are read without the asset reader, and only such models are preloadable', async () => {
    const reads: string[] = [];
    const files = async (model: string, file: string) => {
      reads.push(`${model}/${file}`);
      return bundledFiles(model, file);
    };
    const store = new BundledStore(
      {
        index: { models: [INTACT, 'in-script-ae'], defaults: { embed: 'in-script-ae' } },
        models: {
          [INTACT]: intact,
          'in-script-ae': { manifest: renamed('in-script-ae'), graphs: { 'model.onnx': intactOnnx } },
        },
      },
      files,
    );
    const inScript = await store.get('in-script-ae');
    expect(await inScript!.read('model.onnx')).toBe(intactOnnx);
    expect(reads).toEqual([]);
    expect((await store.preloadable()).map((m) => m.manifest.name)).toEqual(['in-script-ae']);
    await (await store.get(INTACT))!.read('model.onnx');
    expect(reads).toEqual([`${INTACT}/model.onnx`]);
  });

  it('give ready sessions: a preloaded model answers without creating another one', async () => {
    const store = storeOfVariants({});
    const app = createApp({ runtime, store, preload: store.preloadable() });
    const health = await (await app.request('/healthz')).json<{ sessions: unknown[] }>();
    expect(health.sessions).toEqual([]); // intact has its graph in the assets, not in the script
    const preloading = new BundledStore(
      {
        index: { models: [INTACT], defaults: { embed: INTACT } },
        models: { [INTACT]: { ...intact, graphs: { 'model.onnx': intactOnnx } } },
      },
      bundledFiles,
    );
    const preloadedApp = createApp({ runtime, store: preloading, preload: preloading.preloadable() });
    await expect
      .poll(
        async () => (await (await preloadedApp.request('/healthz')).json<{ sessions: unknown[] }>()).sessions,
      )
      .toHaveLength(1);
    expect((await preloadedApp.request('/v1/embed', jsonInit({ images }))).status).toBe(200);
    const after = await (await preloadedApp.request('/healthz')).json<{ sessions: unknown[] }>();
    expect(after.sessions).toHaveLength(1);
  });
});

describe('a model whose manifest fails the schema', () => {
  const app = createApp({
    runtime,
    store: storeOfVariants({
      'broken-ae': {
        manifest: renamed('broken-ae', { version: 'one' }),
        files: { 'model.onnx': intactOnnx },
      },
    }),
  });

  it('is unavailable with the schema problem named, and left out of GET /v1/models', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const result = await statusAndBody(await app.request('/v1/models/broken-ae'));
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "model_unavailable",
            "message": "Model "broken-ae" is unavailable: its manifest.json does not match the manifest schema (version: version must be MAJOR.MINOR.PATCH)",
          },
        },
        "status": 503,
      }
    `);
    const list = await (await app.request('/v1/models')).json<{ models: { name: string }[] }>();
    expect(list.models.map((m) => m.name)).toEqual([INTACT]);
    expect((await app.request('/v1/reconstruct', jsonInit({ images }))).status).toBe(200);
  });
});

describe('a model whose graph does not give what its manifest says', () => {
  const outputs = (intact.manifest as { outputs: Record<string, unknown> }).outputs;
  const app = createApp({
    runtime,
    store: storeOfVariants({
      'wide-ae': {
        // The embedding is 32 wide; the manifest claims 16.
        manifest: renamed('wide-ae', {
          outputs: { ...outputs, embedding: { name: 'embedding', shape: [16] } },
        }),
        files: { 'model.onnx': intactOnnx },
      },
      'mute-ae': {
        // Lists task "reconstruct" but no reconstruction output: every request would fail.
        manifest: renamed('mute-ae', { outputs: { embedding: outputs['embedding'] } }),
        files: { 'model.onnx': intactOnnx },
      },
    }),
  });

  it('is unavailable (503) before its first answer, naming the output, while the intact model serves', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const wide = await statusAndBody(await app.request('/v1/embed', jsonInit({ model: 'wide-ae', images })));
    expect(wide).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "model_unavailable",
            "message": "Model "wide-ae" is unavailable: its graph's output "embedding" (role "embedding") has shape [32], but its manifest says [16]",
          },
        },
        "status": 503,
      }
    `);
    const mute = await statusAndBody(await app.request('/v1/embed', jsonInit({ model: 'mute-ae', images })));
    expect((mute.body as { error: { message: string } }).error.message).toBe(
      'Model "mute-ae" is unavailable: it lists task "reconstruct" but its manifest has no "reconstruction" output',
    );
    expect((await app.request('/v1/embed', jsonInit({ model: INTACT, images }))).status).toBe(200);
  });
});

describe('a model that lacks the task', () => {
  const app = createApp({
    runtime,
    store: storeOfVariants({
      'embed-only-ae': {
        manifest: renamed('embed-only-ae', { tasks: ['embed'] }),
        files: { 'model.onnx': intactOnnx },
      },
    }),
  });

  it('is a 400 that names the models that can', async () => {
    const result = await statusAndBody(
      await app.request('/v1/reconstruct', jsonInit({ model: 'embed-only-ae', images })),
    );
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "unsupported_task",
            "message": "Model "embed-only-ae" cannot reconstruct; models that can: mnist-mlp-ae",
          },
        },
        "status": 400,
      }
    `);
    expect((await app.request('/v1/embed', jsonInit({ model: 'embed-only-ae', images }))).status).toBe(200);
  });
});

describe('a bug', () => {
  it('is a 500 without a stack trace in the body', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const failingStore: ModelStore = {
      list: () => Promise.reject(new Error('disk on fire')),
      get: () => Promise.resolve(undefined),
    };
    const result = await statusAndBody(await createApp({ runtime, store: failingStore }).request('/healthz'));
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "internal_error",
            "message": "Internal server error",
          },
        },
        "status": 500,
      }
    `);
  });
});

describe('concurrent requests', () => {
  it('share one session and each get their own answer', async () => {
    const app = createApp({ runtime, store: bundled() });
    const requests = digits.digits.map((digit) =>
      app.request('/v1/embed', jsonInit({ images: [digit.pixels] })),
    );
    const bodies = await Promise.all(requests.map(async (r) => (await r).json<{ embeddings: number[][] }>()));
    const batch = await (
      await app.request('/v1/embed', jsonInit({ images: digits.digits.map((d) => d.pixels) }))
    ).json<{ embeddings: number[][] }>();
    bodies.forEach((body, i) => {
      expect(maxAbsDifference(body.embeddings[0]!, batch.embeddings[i]!)).toBeLessThan(1e-5);
    });
  });
});

describe('the in-runtime benchmark routes', () => {
  const app = createApp({ runtime, store: bundled() });

  it('are an ordinary 404 unless the PRETEXT_BENCH binding is "1"', async () => {
    expect(await statusAndBody(await app.request(`/__bench/run?model=${INTACT}`))).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "not_found",
            "message": "No route for GET /__bench/run",
          },
        },
        "status": 404,
      }
    `);
    expect((await app.request('/__bench/session', { method: 'POST' }, { PRETEXT_BENCH: '0' })).status).toBe(
      404,
    );
  });

  it('time session.run and session creation when enabled', async () => {
    const env = { PRETEXT_BENCH: '1' };
    const run = await app.request(`/__bench/run?model=${INTACT}&n=2&iters=3`, {}, env);
    expect(await run.json()).toMatchObject({ model: INTACT, backend: 'wasm', n: 2, iters: 3 });
    const created = await app.request(
      '/__bench/session?level=basic',
      { method: 'POST', body: intactOnnx.slice(0) },
      env,
    );
    expect(await created.json()).toMatchObject({ level: 'basic', createMs: expect.any(Number) });
  });
});

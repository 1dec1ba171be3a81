// `dtype` (README, "Precision"): each image endpoint and /v1/generate answer from a model's int8 variant
// when asked for "q8", name the precision they answered with, and keep fp32 the default. Every bad form
// of the choice is a 400 that says what and where; a model without the variant is a 400 naming those that
// have one; a corrupted variant is a 503 for that model's q8 alone, and after a bad publish the version
// served before keeps answering in q8.
import { exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../worker/app';
import type { Manifest } from '../../worker/contract/manifest';
import { wasmRuntime } from '../../worker/runtime/ort';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import type { BucketLayout } from '../../worker/store/r2-layout';
import { freshLayout, isolate, publishVersion, sha256Of } from './r2-support';
import {
  bundledGraph,
  bundledManifest,
  float32Init,
  float32Rows,
  index,
  jsonInit,
  maxAbsDifference,
  statusAndBody,
  storeWith,
  testImagesFor,
  withoutReference,
} from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const post = async (path: string, body: unknown) => statusAndBody(await fetchApi(path, jsonInit(body)));

const images = (model: string, n = 8) => testImagesFor(bundledManifest(model)).slice(0, n);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('dtype "q8"', () => {
  it('answers from the int8 variant, saying so in the body and the headers, next to fp32', async () => {
    const body = { model: 'mnist-mlp-ae', images: images('mnist-mlp-ae') };
    const response = await fetchApi('/v1/reconstruct', jsonInit({ ...body, dtype: 'q8' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model-dtype')).toBe('q8');
    const q8 = await response.json<{ dtype: string; version: string; mse: number[]; images: number[][] }>();
    const fp32 = (await post('/v1/reconstruct', body)).body as typeof q8;
    expect([q8.dtype, fp32.dtype, q8.version]).toEqual([
      'q8',
      'fp32',
      bundledManifest('mnist-mlp-ae').version,
    ]);
    // Reconstructions move by a few grey levels, the reconstruction error by a few per cent.
    expect(maxAbsDifference(q8.images.flat(), fp32.images.flat())).toBeLessThan(0.25);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(Math.abs(mean(q8.mse) / mean(fp32.mse) - 1)).toBeLessThan(0.1);
  });

  it.each([
    [
      '/v1/rotation',
      'fmnist-rotnet',
      (b: { predictions: { angle: number }[] }) => b.predictions.map((p) => p.angle),
    ],
    [
      '/v1/classify',
      'fmnist-probe',
      (b: { predictions: { label: string }[] }) => b.predictions.map((p) => p.label),
    ],
    [
      '/v1/jigsaw',
      'fmnist-jigsaw',
      (b: { predictions: { permutation: number[] }[] }) => b.predictions.map((p) => p.permutation.join()),
    ],
    ['/v1/cluster', 'fmnist-kmeans', (b: { clusters: number[] }) => b.clusters],
  ] as const)('%s with %s decides as fp32 does on test images', async (path, model, decisions) => {
    const body = { model, images: images(model) };
    const [q8, fp32] = [await post(path, { ...body, dtype: 'q8' }), await post(path, body)];
    expect([q8.status, fp32.status]).toEqual([200, 200]);
    const agree = (decisions(q8.body as never) as unknown[]).filter(
      (d, i) => d === (decisions(fp32.body as never) as unknown[])[i],
    );
    expect(agree.length).toBeGreaterThanOrEqual(7); // of 8
  });

  it('embeds with conv and dense int8 layers, close to fp32', async () => {
    const body = { model: 'fmnist-rotnet', images: images('fmnist-rotnet') };
    const [q8, fp32] = [await post('/v1/embed', { ...body, dtype: 'q8' }), await post('/v1/embed', body)];
    const a = (q8.body as { embeddings: number[][] }).embeddings;
    const b = (fp32.body as { embeddings: number[][] }).embeddings;
    const scale = Math.max(...b.flat().map(Math.abs));
    expect(maxAbsDifference(a.flat(), b.flat()) / scale).toBeLessThan(0.1);
  });

  it('denoises in q8', async () => {
    const result = await post('/v1/denoise', {
      model: 'fmnist-dae',
      dtype: 'q8',
      images: images('fmnist-dae', 2),
    });
    expect(result).toMatchObject({ status: 200, body: { model: 'fmnist-dae', dtype: 'q8' } });
  });

  it('takes ?dtype=q8 with a float32 body, and answers float32 with X-Model-Dtype', async () => {
    const rows = images('mnist-mlp-ae', 2);
    const init = float32Init(rows);
    const response = await fetchApi('/v1/embed?model=mnist-mlp-ae&dtype=q8', {
      ...init,
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model-dtype')).toBe('q8');
    const json = (await post('/v1/embed', { model: 'mnist-mlp-ae', dtype: 'q8', images: rows })).body as {
      embeddings: number[][];
    };
    expect(await float32Rows(response)).toEqual(json.embeddings.map((r) => r.map(Math.fround)));
  });

  it('generates from the int8 generator: seeded, and close to the fp32 images', async () => {
    const request = { model: 'fmnist-vae', count: 4, seed: 7 };
    const q8 = await post('/v1/generate', { ...request, dtype: 'q8' });
    const again = await post('/v1/generate', { ...request, dtype: 'q8' });
    const fp32 = await post('/v1/generate', request);
    expect(q8).toEqual(again);
    expect(q8.body).toMatchObject({ dtype: 'q8', seed: 7 });
    const [a, b] = [q8, fp32].map((r) => (r.body as { images: number[][] }).images.flat());
    expect(maxAbsDifference(a!, b!)).toBeLessThan(0.25);
  });

  it('has sessions of its own, listed in /healthz as name@version#q8', async () => {
    await post('/v1/embed', { model: 'fmnist-simclr', dtype: 'q8', images: images('fmnist-simclr', 1) });
    const manifest = bundledManifest('fmnist-simclr');
    const health = await (await fetchApi('/healthz')).json<{
      sessions: { session: string; chargedBytes: number }[];
    }>();
    expect(health.sessions).toContainEqual(
      expect.objectContaining({
        session: `fmnist-simclr@${manifest.version}#q8`,
        chargedBytes: 2 * manifest.variants!.q8!.onnx.bytes + 256 * 1024,
      }),
    );
  });
});

describe('a bad dtype → 400 naming it', () => {
  const image = images('mnist-mlp-ae', 1);

  it.each([
    ['q4', '"q4"'],
    ['', '""'],
    [8, '8'],
    [null, 'null'],
    [['q8'], 'an array'],
  ])('%j in the body', async (dtype, shown) => {
    const result = await post('/v1/embed', { model: 'mnist-mlp-ae', dtype, images: image });
    expect(result).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          message: `dtype must be one of "fp32", "q8", got ${shown}`,
          issues: [{ path: 'dtype', message: `must be one of "fp32", "q8", got ${shown}` }],
        },
      },
    });
  });

  it('in /v1/generate', async () => {
    const result = await post('/v1/generate', { model: 'fmnist-vae', count: 1, dtype: 'int8' });
    expect(result).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          issues: [{ path: 'dtype', message: 'must be one of "fp32", "q8", got "int8"' }],
        },
      },
    });
  });

  it('in the query of a float32 body, and a query that contradicts the body', async () => {
    const init = float32Init(image);
    const bad = await statusAndBody(await fetchApi('/v1/embed?dtype=int8', init));
    expect(bad).toMatchObject({
      status: 400,
      body: {
        error: { issues: [{ path: 'query.dtype', message: 'must be one of "fp32", "q8", got "int8"' }] },
      },
    });
    const contradiction = await statusAndBody(
      await fetchApi('/v1/embed?dtype=fp32', jsonInit({ dtype: 'q8', images: image })),
    );
    expect(contradiction).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          message: 'query.dtype names "fp32" but the body names "q8"',
          issues: [{ path: 'query.dtype', message: 'names "fp32" but the body names "q8"' }],
        },
      },
    });
  });

  it('on a text endpoint, which has no precision to choose', async () => {
    const result = await post('/v1/text/embed', { texts: ['a book'], dtype: 'q8' });
    expect(result).toMatchObject({
      status: 400,
      body: {
        error: { code: 'invalid_input', issues: [{ path: 'dtype', message: 'is not a known field' }] },
      },
    });
  });

  it('for a model without an int8 variant: 400 unsupported_dtype, naming the models that have one', async () => {
    const floatOnly = { ...bundledManifest('mnist-mlp-ae'), name: 'float-only-ae' } as Partial<Manifest>;
    delete floatOnly.variants;
    const app = createApp({
      runtime: wasmRuntime(),
      store: storeWith(
        { index: { ...index, models: [...index.models, 'float-only-ae'] }, models: bundledModels.models },
        {
          'float-only-ae': {
            manifest: floatOnly,
            files: { 'model.onnx': await bundledGraph('mnist-mlp-ae') },
          },
        },
      ),
    });
    const response = await app.request(
      '/v1/embed',
      jsonInit({ model: 'float-only-ae', dtype: 'q8', images: image }),
    );
    const withQ8 = index.models.filter((name) => {
      const m = bundledManifest(name);
      return m.tasks.includes('embed') && m.variants?.q8 !== undefined;
    });
    expect(await statusAndBody(response)).toEqual({
      status: 400,
      body: {
        error: {
          code: 'unsupported_dtype',
          message: `Model "float-only-ae" has no "q8" variant; models that can embed in q8: ${withQ8.join(', ')}`,
        },
      },
    });
    // In fp32 it answers.
    expect((await app.request('/v1/embed', jsonInit({ model: 'float-only-ae', images: image }))).status).toBe(
      200,
    );
  });
});

describe('a corrupted int8 variant', () => {
  let layout: BucketLayout;
  beforeEach(() => {
    layout = freshLayout();
  });
  const NAME = 'mnist-mlp-ae';
  const image = images(NAME, 1);

  it('is a 503 for that model in q8 only: its fp32 and the other models answer', async () => {
    const manifest = { ...bundledManifest(NAME), name: 'corrupt-q8' };
    const app = createApp({
      runtime: wasmRuntime(),
      store: storeWith(
        { index: { ...index, models: [...index.models, 'corrupt-q8'] }, models: bundledModels.models },
        {
          'corrupt-q8': {
            manifest,
            files: {
              'model.onnx': await bundledGraph(NAME),
              'model.q8.onnx': new TextEncoder().encode('not the variant').buffer as ArrayBuffer,
            },
          },
        },
      ),
    });
    const ask = async (model: string, dtype?: string) =>
      statusAndBody(
        await app.request('/v1/embed', jsonInit({ model, images: image, ...(dtype ? { dtype } : {}) })),
      );
    const broken = await ask('corrupt-q8', 'q8');
    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({
      error: {
        code: 'model_unavailable',
        message: expect.stringMatching(
          /^Model "corrupt-q8" is unavailable: the sha256 of model\.q8\.onnx is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
        ),
      },
    });
    expect((await ask('corrupt-q8')).status).toBe(200);
    expect((await ask(NAME, 'q8')).status).toBe(200);
  });

  it('after a bad publish leaves the version served before answering in q8, with one log line', async () => {
    const app = isolate({ layout });
    // Its graphs only: the reference index files are not what this test publishes.
    const good = { ...withoutReference(bundledManifest(NAME)), version: '1.0.0' };
    const onnx = await bundledGraph(NAME);
    const q8 = await bundledGraph(NAME, 'model.q8.onnx');
    expect((await publishVersion(app, good, { 'model.onnx': onnx, 'model.q8.onnx': q8 })).status).toBe(200);
    const answered = async (dtype: string) => {
      const { status, body } = await statusAndBody(
        await app.post('/v1/embed', { model: NAME, dtype, images: image }),
      );
      return status === 200 ? `200 ${(body as { version: string }).version}` : `${status}`;
    };
    expect(await answered('q8')).toBe('200 1.0.0');

    // Cut short, as an interrupted quantization would leave it: its sha256 is right, ORT cannot load it.
    const truncated = q8.slice(0, 4096);
    const variant = good.variants!.q8!;
    const bad: Manifest = {
      ...good,
      version: '2.0.0',
      variants: {
        q8: { ...variant, onnx: { ...variant.onnx, sha256: await sha256Of(truncated), bytes: 4096 } },
      },
    };
    expect((await publishVersion(app, bad, { 'model.onnx': onnx, 'model.q8.onnx': truncated })).status).toBe(
      200,
    );
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await answered('q8')).toBe('200 1.0.0');
    expect(await answered('q8')).toBe('200 1.0.0');
    expect(await answered('fp32')).toBe('200 2.0.0'); // its float graph is fine
    const lines = log.mock.calls.map(([line]) => String(line)).filter((l) => l.includes('stays on version'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Model "mnist-mlp-ae" stays on version 1\.0\.0: Model "mnist-mlp-ae" is unavailable: onnxruntime cannot load model\.q8\.onnx: /,
    );

    // An isolate that never served 1.0.0 has nothing to fall back on: 503 for this model in q8 only.
    const fresh = isolate({ layout });
    const { status } = await statusAndBody(
      await fresh.post('/v1/embed', { model: NAME, dtype: 'q8', images: image }),
    );
    expect(status).toBe(503);
    expect((await fresh.post('/v1/embed', { model: NAME, images: image })).status).toBe(200);
    expect(
      (await fresh.post('/v1/embed', { model: 'fmnist-rotnet', dtype: 'q8', images: image })).status,
    ).toBe(200);
  });
});

// The HTTP API end to end inside workerd, through the deployed worker and its bundled models.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import encoded from './fixtures/encoded.json';
import {
  bundledManifest,
  digits,
  float32Init,
  float32Rows,
  IMAGE_ENDPOINTS,
  index,
  jsonInit,
  maxAbsDifference,
} from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const post = (path: string, body: unknown) => fetchApi(path, jsonInit(body));

// The digit fixture comes from the MNIST sample's test split: reconstruct it with a model trained on
// that split (named explicitly, whatever the endpoint's default is).
const reconstructModel = index.models.find((name) => {
  const m = bundledManifest(name);
  return m.tasks.includes('reconstruct') && m.dataset.split === digits.split;
})!;
const embedModel = index.defaults.embed!;
const images = digits.digits.map((digit) => digit.pixels);

describe('GET /healthz', () => {
  it('says ok, the wasm backend (workerd has no navigator.gpu) and how many models are bundled', async () => {
    const response = await fetchApi('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      backend: 'wasm',
      models: index.models.length,
    });
  });

  it('created the sessions of the default models bundled in the script before any request', async () => {
    const preloaded = Object.entries(bundledModels.models)
      .filter(([, entry]) => entry.graphs !== undefined)
      .map(([name]) => `${name}@${bundledManifest(name).version}`);
    expect(preloaded.length).toBeGreaterThan(0);
    await expect
      .poll(async () => {
        const health = await (await fetchApi('/healthz')).json<{ sessions: { session: string }[] }>();
        return health.sessions.map((s) => s.session);
      })
      .toEqual(expect.arrayContaining(preloaded));
  });

  it("warmed ORT up when the worker's isolate started, before any model was asked for", async () => {
    const health = await (await fetchApi('/healthz')).json<{ startup: Record<string, number> }>();
    expect(health.startup).toEqual({ wasmInstantiateMs: expect.any(Number), warmUpMs: expect.any(Number) });
  });

  it('reports what each session this isolate created cost (the cold start)', async () => {
    await post('/v1/reconstruct', { model: reconstructModel, images: [images[0]] });
    const health = await (await fetchApi('/healthz')).json<{ sessions: { session: string }[] }>();
    const manifest = bundledManifest(reconstructModel);
    expect(health.sessions).toContainEqual({
      session: `${manifest.name}@${manifest.version}`,
      readMs: expect.any(Number),
      sha256Ms: expect.any(Number),
      createMs: expect.any(Number),
    });
  });
});

describe('GET /v1/models', () => {
  it('lists the manifest of every bundled model', async () => {
    const body = await (await fetchApi('/v1/models')).json<{ models: { name: string }[] }>();
    expect(body.models.map((m) => m.name)).toEqual(index.models);
  });

  it('returns one manifest by name', async () => {
    const response = await fetchApi(`/v1/models/${reconstructModel}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(bundledManifest(reconstructModel));
  });
});

describe('POST /v1/reconstruct', () => {
  it('reconstructs 16 test-split MNIST digits about as well as the manifest says', async () => {
    const manifest = bundledManifest(reconstructModel);
    // The fixture must come from the split the model was evaluated on, or the MSE bound means nothing.
    expect(digits.split).toBe(manifest.dataset.split);

    const response = await post('/v1/reconstruct', { model: reconstructModel, images });
    expect(response.status).toBe(200);
    const body = await response.json<{ model: string; version: string; images: number[][]; mse: number[] }>();
    expect(body.model).toBe(manifest.name);
    expect(body.version).toBe(manifest.version);
    expect(body.images).toHaveLength(16);
    for (const reconstruction of body.images) expect(reconstruction).toHaveLength(784);

    const mse = images.map((x, i) => x.reduce((sum, v, j) => sum + (v - body.images[i]![j]!) ** 2, 0) / 784);
    expect(maxAbsDifference(body.mse, mse)).toBeLessThan(1e-6);
    const meanMse = mse.reduce((a, b) => a + b, 0) / mse.length;
    expect(meanMse).toBeLessThanOrEqual(1.5 * manifest.metrics['mse']!);
  });
});

describe('POST /v1/embed', () => {
  it('returns one finite embedding per image, identical for identical images', async () => {
    const manifest = bundledManifest(embedModel);
    const dims = manifest.outputs['embedding']!.shape[0]!;
    const response = await post('/v1/embed', {
      model: embedModel,
      images: [images[3]!, images[7]!, images[3]!],
    });
    expect(response.status).toBe(200);
    const body = await response.json<{
      model: string;
      version: string;
      dims: number;
      embeddings: number[][];
    }>();
    expect(body).toMatchObject({ model: manifest.name, version: manifest.version, dims });
    expect(body.embeddings).toHaveLength(3);
    for (const embedding of body.embeddings) {
      expect(embedding).toHaveLength(dims);
      expect(embedding.every(Number.isFinite)).toBe(true);
    }
    expect(body.embeddings[2]).toEqual(body.embeddings[0]);
    expect(body.embeddings[1]).not.toEqual(body.embeddings[0]);
  });

  it('gives an image the same embedding alone as in a batch', async () => {
    const alone = await (await post('/v1/embed', { images: [images[5]!] })).json<{
      embeddings: number[][];
    }>();
    const batch = await (await post('/v1/embed', { images })).json<{ embeddings: number[][] }>();
    expect(maxAbsDifference(alone.embeddings[0]!, batch.embeddings[5]!)).toBeLessThan(1e-5);
  });
});

type Json = Record<string, unknown>;
const answer = async (path: string, body: unknown) => {
  const response = await post(path, body);
  expect(response.status).toBe(200);
  return response.json<Json>();
};
const euclidean = (a: readonly number[], b: readonly number[]) =>
  Math.sqrt(a.reduce((sum, v, i) => sum + (v - b[i]!) ** 2, 0));

describe('base64 PNG and JPEG images', () => {
  it('are converted like training images: a colour PNG and JPEG of another size embed next to their digit', async () => {
    const floats = (await answer('/v1/embed', { images })) as { embeddings: number[][] };
    for (const file of encoded.images) {
      const dataUrl = `data:image/${file.format};base64,${file.base64}`;
      const { embeddings } = (await answer('/v1/embed', { images: [dataUrl, file.base64] })) as {
        embeddings: number[][];
      };
      expect(embeddings[1]).toEqual(embeddings[0]); // plain base64 and data: URL are the same image
      const distances = floats.embeddings.map((e) => euclidean(e, embeddings[0]!));
      const nearest = distances.indexOf(Math.min(...distances));
      expect(nearest, `${file.format} ${file.width}×${file.height}`).toBe(file.digit);
      const spread = euclidean(floats.embeddings[file.digit]!, floats.embeddings[(file.digit + 1) % 16]!);
      expect(distances[file.digit]!).toBeLessThan(0.5 * spread);
    }
  });

  it('mix with number arrays in one batch', async () => {
    const png = encoded.images[0]!;
    const body = (await answer('/v1/reconstruct', { images: [images[0]!, png.base64, images[1]!] })) as {
      images: number[][];
    };
    expect(body.images).toHaveLength(3);
  });
});

describe('application/octet-stream', () => {
  it('float32 in gives the same embeddings as JSON in', async () => {
    const batch = images.slice(0, 4);
    const json = (await answer('/v1/embed', { images: batch })) as { embeddings: number[][] };
    const init = float32Init(batch, `?model=${embedModel}`);
    const response = await fetchApi(`/v1/embed${init.query}`, init);
    expect(response.status).toBe(200);
    const body = await response.json<{ model: string; embeddings: number[][] }>();
    expect(body.model).toBe(embedModel);
    expect(maxAbsDifference(body.embeddings.flat(), json.embeddings.flat())).toBe(0);
  });

  it('Accept: application/octet-stream gives float32 N×dims with the model and shape in headers', async () => {
    const batch = images.slice(0, 3);
    const json = (await answer('/v1/embed', { images: batch })) as { embeddings: number[][]; dims: number };
    const response = await fetchApi('/v1/embed', {
      ...jsonInit({ images: batch }),
      headers: { 'content-type': 'application/json', accept: 'application/octet-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const manifest = bundledManifest(embedModel);
    expect(response.headers.get('x-model')).toBe(manifest.name);
    expect(response.headers.get('x-model-version')).toBe(manifest.version);
    expect(response.headers.get('x-shape')).toBe(`3,${json.dims}`);
    expect(await float32Rows(response)).toEqual(json.embeddings);
  });

  it('float32 both ways for reconstructions', async () => {
    const init = float32Init(images.slice(0, 2));
    const response = await fetchApi('/v1/reconstruct', {
      ...init,
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
    });
    expect(response.headers.get('x-shape')).toBe('2,784');
    const json = (await answer('/v1/reconstruct', { images: images.slice(0, 2) })) as { images: number[][] };
    expect(await float32Rows(response)).toEqual(json.images);
  });
});

describe('GET /openapi.json and /docs', () => {
  it('documents every endpoint of the contract from the request schemas', async () => {
    const response = await fetchApi('/openapi.json');
    expect(response.status).toBe(200);
    const document = await response.json<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { required?: boolean; content: Json } }>>;
      components: { schemas: Record<string, { properties?: Json; required?: string[] }> };
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/healthz',
        '/v1/models',
        '/v1/models/{name}',
        '/v1/models/{name}/{file}',
        ...IMAGE_ENDPOINTS.map((e) => e.path),
        '/v1/generate',
        '/v1/text/fill-mask',
        '/v1/text/unshuffle',
        '/v1/text/embed',
      ].sort(),
    );
    const embed = document.paths['/v1/embed']!['post']!;
    expect(embed.requestBody?.required).toBe(true);
    expect(Object.keys(embed.requestBody!.content)).toEqual(['application/json', 'application/octet-stream']);
    const request = document.components.schemas['ImageBatchRequest']!;
    expect(Object.keys(request.properties!)).toEqual(['model', 'images']);
    expect(request.required).toEqual(['images']);
    expect(JSON.stringify(request.properties!['images'])).toContain('"minItems":784');
  });

  it('renders the reference page', async () => {
    const response = await fetchApi('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('/openapi.json');
  });
});

/** For each task, the checks of a good answer; they run for every bundled model that lists the task. */
const GOOD_ANSWERS: Record<(typeof IMAGE_ENDPOINTS)[number]['task'], (body: Json, n: number) => void> = {
  embed: (body, n) => expect(body['embeddings']).toHaveLength(n),
  reconstruct: (body, n) => expect(body['mse']).toHaveLength(n),
  denoise: (body, n) =>
    expect((body['images'] as number[][]).map((x) => x.length)).toEqual(Array(n).fill(784)),
  cluster: (body, n) => {
    const { clusters, distances } = body as { clusters: number[]; distances: number[][] };
    expect(clusters).toHaveLength(n);
    clusters.forEach((k, i) => {
      expect(distances[i]![k]).toBe(Math.min(...distances[i]!));
    });
  },
  rotation: (body, n) => {
    const { predictions, upright } = body as {
      predictions: { angle: number; probabilities: number[] }[];
      upright: number[][];
    };
    expect(upright).toHaveLength(n);
    for (const p of predictions) {
      expect([0, 90, 180, 270]).toContain(p.angle);
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
  },
  jigsaw: (body, n) => {
    const { predictions } = body as { predictions: { permutation: number[] }[] };
    expect(predictions).toHaveLength(n);
    for (const p of predictions) expect([...p.permutation].sort()).toEqual([0, 1, 2, 3]);
  },
  classify: (body, n) => {
    const { predictions } = body as { predictions: { label: string; probabilities: number[] }[] };
    expect(predictions).toHaveLength(n);
    for (const p of predictions) expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  },
};

const batch64 = Array.from({ length: 64 }, (_, i) => images[i % images.length]!);

describe.each(IMAGE_ENDPOINTS)('POST $path with every model that serves it', ({ path, task }) => {
  const serving = index.models.filter((name) => bundledManifest(name).tasks.includes(task));
  const reason = serving.length === 0 ? ` (skipped: no bundled model lists task "${task}" yet)` : '';

  it.skipIf(index.defaults[task] === undefined)(
    `answers batch 1 with the default model${reason}`,
    async () => {
      const body = await answer(path, { images: [images[0]!] });
      expect(body['model']).toBe(index.defaults[task]);
      GOOD_ANSWERS[task](body, 1);
    },
  );

  it.skipIf(serving.length === 0).each(serving)(`answers batch 64 with model %s${reason}`, async (model) => {
    const body = await answer(path, { model, images: batch64 });
    expect(body).toMatchObject({ model, version: bundledManifest(model).version });
    GOOD_ANSWERS[task](body, 64);
  });
});

describe('POST /v1/generate with every model that serves it', () => {
  const serving = index.models.filter((name) => bundledManifest(name).tasks.includes('generate'));
  it.skipIf(serving.length === 0).each(serving.length === 0 ? ['(none)'] : serving)(
    'gives the same images for the same seed (%s; skipped while no bundled model lists task "generate")',
    async (model) => {
      const first = await answer('/v1/generate', { model, count: 3, seed: 7 });
      const again = await answer('/v1/generate', { model, count: 3, seed: 7 });
      expect(first['images']).toHaveLength(3);
      expect(again['images']).toEqual(first['images']);
    },
  );
});

describe('100 concurrent requests mixing endpoints', () => {
  it('each get the answer they get alone', async () => {
    const served = IMAGE_ENDPOINTS.filter(({ task }) => index.defaults[task] !== undefined);
    const requests = Array.from({ length: 100 }, (_, i) => ({
      path: served[i % served.length]!.path,
      body: { images: images.slice(i % 16, (i % 16) + 1 + (i % 3)) },
    }));
    const alone: unknown[] = [];
    for (const { path, body } of requests) alone.push(await (await post(path, body)).json());
    const together = await Promise.all(
      requests.map(async ({ path, body }) => (await post(path, body)).json()),
    );
    expect(together).toEqual(alone);
  });
});

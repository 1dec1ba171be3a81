// The HTTP API end to end inside workerd, through the deployed worker and its bundled models.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../worker/contract/manifest';
import { API_REFERENCE_SCRIPT } from '../../worker/routes/docs-script';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import encoded from './fixtures/encoded.json';
import { ANGLES, indexOfMax, PERMUTATIONS, turnCounterClockwise, unshuffle } from './geometry';
import {
  bundledManifest,
  digits,
  float32Init,
  float32Rows,
  IMAGE_ENDPOINTS,
  index,
  jsonInit,
  maxAbsDifference,
  titled,
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
      chargedBytes: 2 * manifest.onnx.bytes + 256 * 1024,
      heapGrowthBytes: expect.any(Number),
    });
  });

  it("reports ORT's WebAssembly heap and the reference data against the memory budget of wrangler.toml", async () => {
    type Memory = Record<'budgetBytes' | 'reservedBytes' | 'chargedBytes' | 'wasmHeapBytes', number> & {
      references: { budgetBytes: number; chargedBytes: number };
    };
    const { memory } = await (await fetchApi('/healthz')).json<{ memory: Memory }>();
    expect(memory).toEqual({
      budgetBytes: 64 * 2 ** 20,
      reservedBytes: 32 * 2 ** 20,
      chargedBytes: expect.any(Number),
      wasmHeapBytes: expect.any(Number),
      evictions: expect.any(Number),
      references: {
        budgetBytes: 12 * 2 ** 20,
        chargedBytes: expect.any(Number),
        evictions: expect.any(Number),
        indexes: expect.any(Array),
        files: expect.any(Array),
      },
    });
    expect(memory.wasmHeapBytes).toBeGreaterThanOrEqual(16 * 2 ** 20); // ORT's initial memory
    expect(memory.chargedBytes).toBeLessThanOrEqual(
      memory.budgetBytes - memory.reservedBytes - memory.references.budgetBytes,
    );
    expect(memory.wasmHeapBytes + memory.references.chargedBytes).toBeLessThanOrEqual(memory.budgetBytes);
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
        '/v1/neighbors',
        '/v1/models/{name}/reference/{index}',
      ].sort(),
    );
    const embed = document.paths['/v1/embed']!['post']!;
    expect(embed.requestBody?.required).toBe(true);
    expect(Object.keys(embed.requestBody!.content)).toEqual(['application/json', 'application/octet-stream']);
    const request = document.components.schemas['ImageBatchRequest']!;
    expect(Object.keys(request.properties!)).toEqual(['model', 'dtype', 'images']);
    expect(request.properties!['dtype']).toMatchObject({ enum: ['fp32', 'q8'] });
    expect(request.required).toEqual(['images']);
    expect(JSON.stringify(request.properties!['images'])).toContain('"minItems":784');
  });

  it('renders the reference page', async () => {
    const response = await fetchApi('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('/openapi.json');
    // Its script is ours, served from the static assets at the version package.json pins: no CDN.
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual([API_REFERENCE_SCRIPT]);
    expect(API_REFERENCE_SCRIPT).toMatch(/^\/api-reference\/scalar-api-reference-\d+\.\d+\.\d+\.js$/);
    expect(html).not.toMatch(/https?:\/\//);
    const script = await env.ASSETS.fetch(new Request(`https://assets.invalid${API_REFERENCE_SCRIPT}`));
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(1_000_000);
  });
});

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * For each task, what an answer must satisfy for any model, checked against values the test computes
 * itself: the row of each image, the class the probabilities pick, the image a prediction turns back
 * or unshuffles (./geometry.ts), the MSE. `inputs` repeats every image 16 rows later, so a row must
 * also equal the row of the same image elsewhere in the batch.
 */
const GOOD_ANSWERS: Record<
  (typeof IMAGE_ENDPOINTS)[number]['task'],
  (body: Json, inputs: number[][], model: Manifest) => void
> = {
  embed: (body, inputs, model) => {
    const embeddings = body['embeddings'] as number[][];
    expect(body['dims']).toBe(model.outputs['embedding']!.shape[0]);
    expect(embeddings.map((e) => e.length)).toEqual(inputs.map(() => body['dims']));
    for (const e of embeddings) expect(e.every(Number.isFinite)).toBe(true);
    sameRowsForSameImages(embeddings, inputs);
  },
  reconstruct: (body, inputs) => {
    const { images: out, mse } = body as { images: number[][]; mse: number[] };
    expect(out.map((row) => row.length)).toEqual(inputs.map(() => 784));
    const expected = inputs.map((x, i) => mean(x.map((v, j) => (v - out[i]![j]!) ** 2)));
    expect(maxAbsDifference(mse, expected)).toBeLessThan(1e-6);
  },
  denoise: (body, inputs) => {
    const out = body['images'] as number[][];
    expect(out.map((row) => row.length)).toEqual(inputs.map(() => 784));
    for (const row of out) expect(row.every(Number.isFinite)).toBe(true);
    sameRowsForSameImages(out, inputs);
  },
  cluster: (body, inputs, model) => {
    const { clusters, distances } = body as { clusters: number[]; distances: number[][] };
    const k = model.outputs['distances']!.shape[0]!;
    expect(distances.map((row) => row.length)).toEqual(inputs.map(() => k));
    expect(clusters).toEqual(distances.map((row) => indexOfMax(row.map((d) => -d))));
    sameRowsForSameImages(distances, inputs);
  },
  rotation: (body, inputs) => {
    const { predictions, upright } = body as {
      predictions: { angle: number; probabilities: number[] }[];
      upright: number[][];
    };
    predictions.forEach(({ angle, probabilities }, i) => {
      expect(sum(probabilities)).toBeCloseTo(1, 4);
      expect(angle).toBe(ANGLES[indexOfMax(probabilities)]);
      expect(upright[i]).toEqual(turnCounterClockwise(inputs[i]!, -angle / 90));
    });
  },
  jigsaw: (body, inputs) => {
    const { predictions, restored } = body as {
      predictions: { permutation: number[]; probability: number }[];
      restored: number[][];
    };
    predictions.forEach(({ permutation, probability }, i) => {
      expect(PERMUTATIONS.map((p) => p.join())).toContain(permutation.join());
      expect(probability).toBeGreaterThanOrEqual(1 / 24 - 1e-6); // the largest of 24 probabilities
      expect(restored[i]).toEqual(unshuffle(inputs[i]!, permutation));
    });
  },
  classify: (body, inputs, model) => {
    const { predictions } = body as { predictions: { label: string; probabilities: number[] }[] };
    expect(predictions).toHaveLength(inputs.length);
    for (const { label, probabilities } of predictions) {
      expect(sum(probabilities)).toBeCloseTo(1, 4);
      const best = indexOfMax(probabilities);
      expect(label).toBe(model.classNames?.[best] ?? String(best));
    }
  },
};

/** Rows i and i + 16 answer the same image: batching may change float sums in the last bits only. */
function sameRowsForSameImages(rows: number[][], inputs: number[][]): void {
  expect(rows).toHaveLength(inputs.length);
  for (let i = 16; i < rows.length; i++) expect(maxAbsDifference(rows[i]!, rows[i - 16]!)).toBeLessThan(1e-5);
}

const batch64 = Array.from({ length: 64 }, (_, i) => images[i % images.length]!.map(Math.fround));

describe.each(IMAGE_ENDPOINTS)('POST $path with every model that serves it', ({ path, task }) => {
  const serving = index.models.filter((name) => bundledManifest(name).tasks.includes(task));
  const none = serving.length === 0 ? `no bundled model lists task "${task}" yet` : undefined;
  const noDefault =
    index.defaults[task] === undefined ? `models/index.json has no default for "${task}"` : undefined;

  it.skipIf(noDefault !== undefined)(
    titled('answers batch 1 with the default model', noDefault),
    async () => {
      const body = await answer(path, { images: [batch64[0]!] });
      expect(body['model']).toBe(index.defaults[task]);
      GOOD_ANSWERS[task](body, [batch64[0]!], bundledManifest(index.defaults[task]!));
    },
  );

  it.skipIf(none !== undefined).each(none === undefined ? serving : ['(none)'])(
    titled('answers batch 64 with model %s', none),
    async (model) => {
      const body = await answer(path, { model, images: batch64 });
      expect(body).toMatchObject({ model, version: bundledManifest(model).version });
      GOOD_ANSWERS[task](body, batch64, bundledManifest(model));
    },
  );
});

describe('POST /v1/generate with every model that serves it', () => {
  const serving = index.models.filter((name) => bundledManifest(name).tasks.includes('generate'));
  const none = serving.length === 0 ? 'no bundled model lists task "generate" yet' : undefined;
  it.skipIf(none !== undefined).each(none === undefined ? serving : ['(none)'])(
    titled('gives the same images for the same seed and others for another (%s)', none),
    async (model) => {
      const first = await answer('/v1/generate', { model, count: 3, seed: 7 });
      const again = await answer('/v1/generate', { model, count: 3, seed: 7 });
      const other = await answer('/v1/generate', { model, count: 3, seed: 8 });
      expect((first['images'] as number[][]).map((image) => image.length)).toEqual([784, 784, 784]);
      expect(again['images']).toEqual(first['images']);
      expect(other['images']).not.toEqual(first['images']);
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

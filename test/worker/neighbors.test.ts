// POST /v1/neighbors and GET /v1/models/:name/reference/:index inside workerd (issue 18): a reference
// image finds itself at score ≈ 1; every answer is what a brute-force search written here, from the index
// files as deployed, answers (recall@k = 1.0); the reference images read back exactly; and every bad
// input is a 4xx with the API's error body that leaves the next good request answered as before.
import { exports } from 'cloudflare:workers';
import { decode as decodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../worker/contract/manifest';
import {
  bundledFiles,
  bundledManifest,
  digits,
  fashion,
  flatImage,
  float32Init,
  index,
  jsonInit,
  statusAndBody,
  testImagesFor,
  toBase64,
} from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const post = async (path: string, body: unknown) => statusAndBody(await fetchApi(path, jsonInit(body)));

interface Neighbor {
  index: number;
  label: string;
  score: number;
}
interface NeighborsAnswer {
  model: string;
  version: string;
  dtype: string;
  neighbors: Neighbor[][];
}

const withIndex = index.models.filter((name) => bundledManifest(name).reference !== undefined);
const fixtureOf = (manifest: Manifest) =>
  manifest.dataset.name === 'mnist'
    ? digits.digits.map((d) => ({ testIndex: d.testIndex, label: d.label }))
    : fashion.images.map((d) => ({ testIndex: d.testIndex, label: d.label }));

async function neighbors(body: Record<string, unknown>): Promise<NeighborsAnswer> {
  const { status, body: answer } = await post('/v1/neighbors', body);
  if (status !== 200) throw new Error(`POST /v1/neighbors answered ${status}: ${JSON.stringify(answer)}`);
  return answer as NeighborsAnswer;
}

/**
 * The brute force, written from the file format in the manifest's words, without the worker's code:
 * row r is the int8 codes of item r; its score against q is the cosine of the two, every row sorted.
 */
async function bruteForce(manifest: Manifest, queries: number[][], k: number) {
  const reference = manifest.reference!;
  const { count, dims } = reference;
  const vectorFile = (await bundledFiles(manifest.name, reference.vectors.file))!;
  const labelFile = new Uint8Array((await bundledFiles(manifest.name, reference.labels.file))!);
  const codes = new Int8Array(vectorFile);
  const rows = Array.from({ length: count }, (_, r) => Array.from(codes.subarray(r * dims, (r + 1) * dims)));
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return queries.map((q) => {
    const scored = rows.map((row, r) => {
      const lengths = norm(row) * norm(q);
      const dot = row.reduce((s, x, j) => s + x * q[j]!, 0);
      return { index: r, score: lengths === 0 ? 0 : dot / lengths };
    });
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return {
      top: scored.slice(0, k).map((n) => ({ ...n, label: reference.classNames[labelFile[n.index]!]! })),
      /** The k-th best score: items this close to it may swap places with float rounding. */
      boundary: scored[k - 1]!.score,
      scoreOf: (i: number) => scored.find((n) => n.index === i)!.score,
    };
  });
}

describe.each(withIndex)('POST /v1/neighbors with %s', (name) => {
  const manifest = bundledManifest(name);
  const fixture = fixtureOf(manifest);
  const images = testImagesFor(manifest);

  it('finds each reference image itself, first, at score ≈ 1, with its class name', async () => {
    const answer = await neighbors({ model: name, images, k: 5 });
    expect([answer.model, answer.version]).toEqual([name, manifest.version]);
    answer.neighbors.forEach((found, i) => {
      expect(found).toHaveLength(5);
      expect(found[0]!.score).toBeGreaterThan(0.999);
      expect(found[0]!.score).toBeLessThan(1.000001);
      // A duplicate image earlier in the set may take first place; then it scores exactly the same.
      const self = found.find((n) => n.index === fixture[i]!.testIndex);
      expect(self?.score).toBe(found[0]!.score);
      expect(self?.label).toBe(manifest.reference!.classNames[fixture[i]!.label]);
    });
  });

  it('answers exactly what a brute-force search of its index answers (recall@k = 1.0)', async () => {
    const k = 25;
    // Reference images, the other dataset's images (far from every item) and a blank image.
    const queries = [...images.slice(0, 6), ...testImagesFor(bundledManifest('mnist-mlp-ae')).slice(0, 2)];
    if (manifest.dataset.name === 'mnist') queries.push(...fashion.images.slice(0, 2).map((i) => i.pixels));
    const embedded = await post('/v1/embed', { model: name, images: queries });
    const embeddings = (embedded.body as { embeddings: number[][] }).embeddings;
    const [answer, expected] = await Promise.all([
      neighbors({ model: name, images: queries, k }),
      bruteForce(manifest, embeddings, k),
    ]);
    answer.neighbors.forEach((found, q) => {
      const { top, boundary, scoreOf } = expected[q]!;
      const nearBoundary = (i: number) => Math.abs(scoreOf(i) - boundary) < 1e-9;
      const missed = top.filter((n) => !found.some((f) => f.index === n.index) && !nearBoundary(n.index));
      expect(missed, `query ${q}: recall@${k}`).toEqual([]);
      found.forEach((n, i) => {
        expect(n.score).toBeCloseTo(scoreOf(n.index), 9);
        if (i > 0) expect(n.score).toBeLessThanOrEqual(found[i - 1]!.score);
        if (!nearBoundary(n.index)) expect(n).toEqual({ ...top[i]!, score: n.score });
      });
    });
  });
});

describe('POST /v1/neighbors, forms and defaults', () => {
  const name = index.defaults.neighbors!;
  const manifest = bundledManifest(name);
  const images = testImagesFor(manifest);

  it('answers 10 neighbours with the default model when neither is given', async () => {
    const answer = await neighbors({ images: images.slice(0, 2) });
    expect(answer.model).toBe(name);
    expect(answer.neighbors.map((n) => n.length)).toEqual([10, 10]);
  });

  it('gives the same answer for JSON numbers and a float32 body with ?k=', async () => {
    const json = await neighbors({ model: name, images: [images[0]], k: 7 });
    const float32 = await fetchApi(`/v1/neighbors?model=${name}&k=7`, float32Init([images[0]!]));
    expect(float32.status).toBe(200);
    expect(await float32.json()).toEqual(json);
  });

  it('embeds with the int8 variant for dtype "q8" (body or query) and still finds a reference image itself', async () => {
    const item = fashion.images[0]!;
    const fp32 = await neighbors({ model: name, images: [item.pixels], k: 5 });
    const q8 = await neighbors({ model: name, dtype: 'q8', images: [item.pixels], k: 5 });
    expect([fp32.dtype, q8.dtype]).toEqual(['fp32', 'q8']);
    // The same index; a query embedded by the int8 graph lands next to its own item all the same.
    expect(q8.neighbors[0]![0]!.index).toBe(item.testIndex);
    expect(q8.neighbors[0]![0]!.score).toBeGreaterThan(0.98);
    const float32 = await fetchApi(`/v1/neighbors?model=${name}&dtype=q8&k=5`, float32Init([item.pixels]));
    expect(float32.headers.get('x-model-dtype')).toBe('q8');
    expect(await float32.json()).toEqual(q8);
  });

  it('reads a reference PNG back as the same image (a digit: its border is blank, so decoding keeps it)', async () => {
    const digit = digits.digits[2]!;
    const png = await fetchApi(`/v1/models/mnist-mlp-ae/reference/${digit.testIndex}`);
    const base64 = `data:image/png;base64,${toBase64(new Uint8Array(await png.arrayBuffer()))}`;
    const fromPng = await neighbors({ model: 'mnist-mlp-ae', images: [base64], k: 7 });
    // The same item as numbers: on the 8-bit grid of the stored images, as the PNG is.
    const item = await fetchApi(`/v1/models/mnist-mlp-ae/reference/${digit.testIndex}`, {
      headers: { accept: 'application/json' },
    });
    const { image } = await item.json<{ image: number[] }>();
    const fromNumbers = await neighbors({ model: 'mnist-mlp-ae', images: [image], k: 7 });
    expect(fromPng).toEqual(fromNumbers);
    expect(fromPng.neighbors[0]![0]).toMatchObject({ index: digit.testIndex, label: String(digit.label) });
  });

  it('answers a batch as it answers each image alone', async () => {
    const batch = await neighbors({ model: name, images, k: 3 });
    const alone = await Promise.all(images.map((image) => neighbors({ model: name, images: [image], k: 3 })));
    expect(batch.neighbors).toEqual(alone.map((a) => a.neighbors[0]));
  });

  it('says in /healthz what the opened index holds in memory', async () => {
    await neighbors({ model: name, images: [images[0]] });
    const health = await (await fetchApi('/healthz')).json<{
      memory: { references: { indexes: unknown[] } };
    }>();
    const { reference } = manifest;
    expect(health.memory.references.indexes).toContainEqual({
      model: `${name}@${manifest.version}`,
      // The int8 rows, a float64 length per row, a label byte per row.
      bytes: reference!.vectors.bytes + 8 * reference!.count + reference!.labels.bytes,
    });
  });
});

describe('GET /v1/models/:name/reference/:index', () => {
  const name = index.defaults.neighbors!;
  const manifest = bundledManifest(name);
  const item = fashion.images[3]!;

  it('is a 28×28 grayscale PNG of the reference image, 255 = ink, with its label and an ETag', async () => {
    const response = await fetchApi(`/v1/models/${name}/reference/${item.testIndex}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-reference-label')).toBe(manifest.reference!.classNames[item.label]);
    const png = decodePng(new Uint8Array(await response.arrayBuffer()));
    expect([png.width, png.height, png.channels]).toEqual([28, 28, 1]);
    expect(Array.from(png.data)).toEqual(item.pixels.map((v) => Math.round(v * 255)));
    const etag = response.headers.get('etag')!;
    expect(etag).toBe(`"${manifest.reference!.images!.sha256}:${item.testIndex}"`);
    const again = await fetchApi(`/v1/models/${name}/reference/${item.testIndex}`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    // What the images and labels read for it hold in memory, once for every model that shares them.
    const health = await (await fetchApi('/healthz')).json<{
      memory: { references: { files: unknown[] } };
    }>();
    expect(health.memory.references.files).toEqual(
      expect.arrayContaining([
        { file: 'reference-images.bin.gz', sha256: manifest.reference!.images!.sha256, bytes: 10000 * 784 },
        { file: 'reference-labels.bin', sha256: manifest.reference!.labels.sha256, bytes: 10000 },
      ]),
    );
  });

  it('is JSON with Accept: application/json: the pixels the API computes with', async () => {
    const response = await fetchApi(`/v1/models/${name}/reference/${item.testIndex}`, {
      headers: { accept: 'application/json' },
    });
    expect(await response.json()).toEqual({
      model: name,
      version: manifest.version,
      index: item.testIndex,
      label: manifest.reference!.classNames[item.label],
      image: item.pixels.map(Math.fround),
    });
  });

  it.each([
    ['-1', 400, 'param.index must be a whole number ≥ 0, got "-1"'],
    ['1.5', 400, 'param.index must be a whole number ≥ 0, got "1.5"'],
    ['abc', 400, 'param.index must be a whole number ≥ 0, got "abc"'],
    ['10000', 404, `Model "${name}" has 10000 reference items (indexes 0–9999); there is no item 10000`],
    [
      '99999999999999999999',
      404,
      `Model "${name}" has 10000 reference items (indexes 0–9999); there is no item 99999999999999999999`,
    ],
  ])('answers index %s with %i', async (text, status, message) => {
    const result = await statusAndBody(await fetchApi(`/v1/models/${name}/reference/${text}`));
    expect(result.status).toBe(status);
    expect((result.body as { error: { message: string } }).error.message).toBe(message);
  });

  it('is a 400 for a model without an index and a 404 for an unknown one; only GET', async () => {
    expect(await statusAndBody(await fetchApi('/v1/models/fmnist-kmeans/reference/0'))).toMatchObject({
      status: 400,
      body: { error: { code: 'unsupported_task', message: expect.stringContaining('models with one: ') } },
    });
    expect(await statusAndBody(await fetchApi('/v1/models/no-such-model/reference/0'))).toMatchObject({
      status: 404,
      body: { error: { code: 'model_not_found' } },
    });
    const wrongMethod = await fetchApi(`/v1/models/${name}/reference/0`, { method: 'DELETE' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET']);
  });
});

describe('GET /openapi.json', () => {
  it('documents /v1/neighbors with k in the body and the query, and the reference item route', async () => {
    const document = await (await fetchApi('/openapi.json')).json<{
      paths: Record<
        string,
        Record<string, { parameters?: { name: string }[]; requestBody?: { content: object } }>
      >;
      components: { schemas: Record<string, { properties?: object; required?: string[] }> };
    }>();
    const neighbors = document.paths['/v1/neighbors']!['post']!;
    expect(Object.keys(neighbors.requestBody!.content)).toEqual([
      'application/json',
      'application/octet-stream',
    ]);
    expect(neighbors.parameters?.map((p) => p.name)).toEqual(['model', 'dtype', 'k']);
    const request = document.components.schemas['NeighborsRequest']!;
    expect([Object.keys(request.properties!), request.required]).toEqual([
      ['model', 'dtype', 'images', 'k'],
      ['images'],
    ]);
    const item = document.paths['/v1/models/{name}/reference/{index}']!['get']!;
    expect(item.parameters?.map((p) => p.name)).toEqual(['name', 'index']);
  });
});

describe('bad input to /v1/neighbors → 4xx naming what and where', () => {
  const name = index.defaults.neighbors!;
  const image = flatImage(0.25);
  const others = withIndex.join(', ');

  it.each([
    ['k = 0', { k: 0 }, 'k must be at least 1'],
    ['k = 101', { k: 101 }, 'k must be at most 100'],
    ['k = 2.5', { k: 2.5 }, 'k must be a whole number, got 2.5'],
    ['k = "3"', { k: '3' }, 'k must be a whole number, got "3"'],
    ['k = null', { k: null }, 'k must be a whole number, got null'],
    ['an unknown field', { top: 3 }, 'top is not a known field'],
    ['dtype = "q4"', { dtype: 'q4' }, 'dtype must be one of "fp32", "q8", got "q4"'],
  ])('%s', async (_, extra, message) => {
    const result = await post('/v1/neighbors', { images: [image], ...extra });
    expect(result).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', message } } });
  });

  it('pins the error body of k = 101', async () => {
    expect(await post('/v1/neighbors', { images: [image], k: 101 })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be at most 100",
                "path": "k",
              },
            ],
            "message": "k must be at most 100",
          },
        },
        "status": 400,
      }
    `);
  });

  it.each([
    ['?k=0', 'query.k must be at least 1'],
    ['?k=101', 'query.k must be at most 100'],
    ['?k=abc', 'query.k must be a whole number, got "abc"'],
    ['?k=2.5', 'query.k must be a whole number, got "2.5"'],
    ['?dtype=int8', 'query.dtype must be one of "fp32", "q8", got "int8"'],
  ])('a float32 body with %s', async (query, message) => {
    const result = await statusAndBody(await fetchApi(`/v1/neighbors${query}`, float32Init([image])));
    expect(result).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', message } } });
  });

  it('a dtype in the query that the body contradicts', async () => {
    const result = await statusAndBody(
      await fetchApi('/v1/neighbors?dtype=fp32', jsonInit({ images: [image], dtype: 'q8' })),
    );
    expect(result).toMatchObject({
      status: 400,
      body: {
        error: { code: 'invalid_input', message: 'query.dtype names "fp32" but the body names "q8"' },
      },
    });
  });

  it('a k in the query that the body contradicts', async () => {
    const result = await statusAndBody(
      await fetchApi('/v1/neighbors?k=4', jsonInit({ images: [image], k: 5 })),
    );
    expect(result).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_input', message: 'query.k is 4 but the body says 5' } },
    });
  });

  it('an unknown model is a 404; a model without an index a 400 naming those with one', async () => {
    expect(await post('/v1/neighbors', { model: 'no-such-model', images: [image] })).toMatchObject({
      status: 404,
      body: { error: { code: 'model_not_found' } },
    });
    for (const without of ['fmnist-kmeans', 'fortunes-text']) {
      expect(await post('/v1/neighbors', { model: without, images: [image] })).toEqual({
        status: 400,
        body: {
          error: {
            code: 'unsupported_task',
            message: `Model "${without}" has no reference index; models with one: ${others} (npm run models:index builds one)`,
          },
        },
      });
    }
  });

  it('a wrong method or media type', async () => {
    const get = await fetchApi('/v1/neighbors');
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    const text = await fetchApi('/v1/neighbors', {
      method: 'POST',
      body: 'hi',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('leaves the next good request answered as before', async () => {
    const before = await neighbors({ model: name, images: [image], k: 4 });
    await Promise.all([
      post('/v1/neighbors', { images: [image], k: 0 }),
      post('/v1/neighbors', { model: 'fmnist-kmeans', images: [image] }),
      fetchApi(`/v1/models/${name}/reference/99999`),
    ]);
    expect(await neighbors({ model: name, images: [image], k: 4 })).toEqual(before);
  });
});

// The HTTP API end to end inside workerd, through the deployed worker and its bundled models.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bundledManifest, digits, index, jsonInit, maxAbsDifference } from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const post = (path: string, body: unknown) => fetchApi(path, jsonInit(body));

const reconstructModel = index.defaults.reconstruct!;
const embedModel = index.defaults.embed!;
const images = digits.digits.map((digit) => digit.pixels);

describe('GET /healthz', () => {
  it('says ok, the wasm backend (workerd has no navigator.gpu) and how many models are bundled', async () => {
    const response = await fetchApi('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', backend: 'wasm', models: index.models.length });
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

    const response = await post('/v1/reconstruct', { images });
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

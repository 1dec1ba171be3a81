// GET /v1/models/:name/:file: the ONNX bytes a browser runs itself, checked against the manifest.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { sha256Hex } from '../../worker/store/sha256';
import { bundledManifest, statusAndBody } from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const name = Object.keys(bundledModels.models)[0]!;
const manifest = bundledManifest(name);

describe('GET /v1/models/:name/:file', () => {
  it('should return the model.onnx bytes whose sha256 the manifest states', async () => {
    const response = await fetchApi(`/v1/models/${name}/${manifest.onnx.file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('etag')).toBe(`"${manifest.onnx.sha256}"`);
    const bytes = await response.arrayBuffer();
    expect(bytes.byteLength).toBe(manifest.onnx.bytes);
    expect(await sha256Hex(bytes)).toBe(manifest.onnx.sha256);
  });

  it('should return the int8 variant like any other graph of the model', async () => {
    const q8 = manifest.variants!.q8!.onnx;
    const response = await fetchApi(`/v1/models/${name}/${q8.file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${q8.sha256}"`);
    expect(await sha256Hex(await response.arrayBuffer())).toBe(q8.sha256);
  });

  it('should return 304 when If-None-Match holds the sha256', async () => {
    const response = await fetchApi(`/v1/models/${name}/${manifest.onnx.file}`, {
      headers: { 'If-None-Match': `"${manifest.onnx.sha256}"` },
    });
    expect(response.status).toBe(304);
    expect(await response.text()).toBe('');
  });

  it('should return 404 naming the files of the model for a file it does not have', async () => {
    const result = await statusAndBody(await fetchApi(`/v1/models/${name}/manifest.json`));
    expect(result.status).toBe(404);
    expect(result.body).toEqual({
      error: {
        code: 'not_found',
        message: `Model "${name}" has no file "manifest.json"; its files: ${[
          manifest.onnx,
          manifest.generator,
          manifest.variants?.q8?.onnx,
          manifest.variants?.q8?.generator,
          manifest.reference?.vectors,
          manifest.reference?.labels,
          manifest.reference?.images,
        ]
          .flatMap((file) => (file ? [file.file] : []))
          .join(', ')}`,
      },
    });
  });

  it('should return 404 for an unknown model', async () => {
    const result = await statusAndBody(await fetchApi('/v1/models/no-such-model/model.onnx'));
    expect(result).toMatchObject({ status: 404, body: { error: { code: 'model_not_found' } } });
  });

  it('should return 405 with Allow: GET for another method', async () => {
    const response = await fetchApi(`/v1/models/${name}/${manifest.onnx.file}`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});

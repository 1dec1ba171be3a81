// Bad input on every image endpoint gets a 400 that names what and where: each bad form of `images`,
// the wrong task, float32 bodies, and /v1/generate's fields. Tasks without a default model are answered
// by an app whose index has no defaults, so those tests run whatever models/index.json holds.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../worker/app';
import { wasmRuntime } from '../../worker/runtime/ort';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { BundledStore } from '../../worker/store/bundled-store';
import {
  bundledFiles,
  bundledManifest,
  flatImage,
  float32Init,
  IMAGE_ENDPOINTS,
  index,
  jsonInit,
  pngHeaderOnly,
  statusAndBody,
  titled,
  toBase64,
} from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const post = async (path: string, body: unknown) => statusAndBody(await fetchApi(path, jsonInit(body)));
const image = flatImage(0.5);

/** The bundled models under an index without defaults: every task needs `model` in the request. */
const withoutDefaults = createApp({
  runtime: wasmRuntime(),
  store: new BundledStore(
    { index: { models: index.models, defaults: {} }, models: bundledModels.models },
    bundledFiles,
  ),
});
const postWithoutDefaults = async (path: string, body: unknown) =>
  statusAndBody(await withoutDefaults.request(path, jsonInit(body)));
/** "models that can: …" for a task, as the registry lists them. */
const whoCan = (task: string) => {
  const able = index.models.filter((name) => bundledManifest(name).tasks.includes(task as never));
  return able.length === 0 ? 'no model can' : `models that can: ${able.join(', ')}`;
};

describe('wrong model, route or method → 404, 405', () => {
  it('404s an unknown model in a request, listing the known ones', async () => {
    const result = await post('/v1/embed', { model: 'no-such-model', images: [image] });
    // The list grows with the committed models, so it is computed rather than pinned.
    expect(result).toEqual({
      status: 404,
      body: {
        error: {
          code: 'model_not_found',
          message: `Unknown model "no-such-model". Known models: ${index.models.join(', ')}`,
        },
      },
    });
  });

  it('404s an unknown model by name', async () => {
    const result = await statusAndBody(await fetchApi('/v1/models/no-such-model'));
    expect(result).toEqual({
      status: 404,
      body: {
        error: {
          code: 'model_not_found',
          message: `Unknown model "no-such-model". Known models: ${index.models.join(', ')}`,
        },
      },
    });
  });

  it('405s GET on a POST route and says which method to use', async () => {
    const response = await fetchApi('/v1/reconstruct');
    expect(response.headers.get('allow')).toBe('POST');
    const result = await statusAndBody(response);
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "method_not_allowed",
            "message": "Method GET is not allowed on /v1/reconstruct; use POST",
          },
        },
        "status": 405,
      }
    `);
  });

  it('405s POST on a GET route', async () => {
    const result = await post('/healthz', {});
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "method_not_allowed",
            "message": "Method POST is not allowed on /healthz; use GET",
          },
        },
        "status": 405,
      }
    `);
  });

  it('404s an unknown route', async () => {
    const result = await statusAndBody(await fetchApi('/v2/embed'));
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "not_found",
            "message": "No route for GET /v2/embed",
          },
        },
        "status": 404,
      }
    `);
  });
});

const png = (width: number, height: number) =>
  `data:image/png;base64,${toBase64(pngHeaderOnly(width, height))}`;
const withPixel = (i: number, value: unknown) => image.map((v, j) => (j === i ? value : v));

/** Every bad form of `images`, with the issue each must produce, the same on every image endpoint. */
const BAD_IMAGES: [name: string, body: unknown, issue: { path: string; message: string }][] = [
  [
    'a boolean image',
    { images: [true] },
    { path: 'images[0]', message: 'must be an array of 784 numbers or a base64 image, got boolean' },
  ],
  [
    'an object for images',
    { images: { 0: image } },
    { path: 'images', message: 'must be an array of images, got an object' },
  ],
  [
    'a null pixel',
    { images: [withPixel(9, null)] },
    { path: 'images[0][9]', message: 'must be a number in [0, 1], got null' },
  ],
  [
    '"NaN"',
    { images: [withPixel(1, 'NaN')] },
    { path: 'images[0][1]', message: 'must be a number in [0, 1], got "NaN"' },
  ],
  [
    'a negative pixel',
    { images: [image, withPixel(0, -0.01)] },
    { path: 'images[1][0]', message: 'must be a number in [0, 1], got -0.01' },
  ],
  [
    'a pixel over 1',
    { images: [withPixel(783, 1.0001)] },
    { path: 'images[0][783]', message: 'must be a number in [0, 1], got 1.0001' },
  ],
  [
    '783 values',
    { images: [image.slice(1)] },
    { path: 'images[0]', message: 'must have 784 values, got 783' },
  ],
  [
    '785 values',
    { images: [[...image, 0]] },
    { path: 'images[0]', message: 'must have 784 values, got 785' },
  ],
  [
    'broken base64',
    { images: ['iVBOR#w0KGgo='] },
    { path: 'images[0]', message: 'is neither 784 numbers nor valid base64 (PNG or JPEG)' },
  ],
  [
    'an empty string',
    { images: [''] },
    { path: 'images[0]', message: 'is an empty string, not a base64 image' },
  ],
  [
    'a data: URL without ;base64',
    { images: ['data:image/png,iVBORw0KGgo='] },
    { path: 'images[0]', message: 'is a data: URL without ";base64"' },
  ],
  [
    'base64 of text',
    { images: [btoa('just some text, not an image')] },
    { path: 'images[0]', message: 'is not a readable image: Unsupported image format: expected PNG or JPEG' },
  ],
  [
    'a PNG bomb (100000×100000 declared)',
    { images: [png(100_000, 100_000)] },
    {
      path: 'images[0]',
      message: 'is an image of 100000×100000 pixels; the limit is 2048×2048 (4194304 pixels)',
    },
  ],
  [
    'a PNG with only its header',
    { images: [png(64, 64)] },
    {
      path: 'images[0]',
      message:
        'cannot be read: PNG cannot be decoded (corrupt, truncated or unsupported): Offset is outside the bounds of the DataView',
    },
  ],
  [
    '5 images of 2048×2048',
    { images: Array.from({ length: 5 }, () => png(2048, 2048)) },
    { path: 'images', message: 'hold 20971520 image pixels in all; the limit per request is 16777216' },
  ],
  ['no images', { images: [] }, { path: 'images', message: 'must contain at least 1 image' }],
  [
    '257 images',
    { images: Array.from({ length: 257 }, () => image) },
    { path: 'images', message: 'must contain at most 256 images, got 257' },
  ],
];

// /v1/neighbors takes the same images (and `k`, tested in neighbors.test.ts).
const IMAGE_PATHS = [...IMAGE_ENDPOINTS.map(({ path }) => ({ path })), { path: '/v1/neighbors' }];

describe.each(IMAGE_PATHS)('bad images on $path → 400 naming what and where', ({ path }) => {
  it.each(BAD_IMAGES)('%s', async (_, body, issue) => {
    const result = (await post(path, body)) as {
      status: number;
      body: { error: { code: string; issues: unknown[] } };
    };
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('invalid_input');
    expect(result.body.error.issues).toEqual([issue]);
  });

  it('404s an unknown model', async () => {
    const result = (await post(path, { model: 'no-such-model', images: [image] })) as {
      status: number;
      body: { error: { code: string } };
    };
    expect([result.status, result.body.error.code]).toEqual([404, 'model_not_found']);
  });
});

describe.each(IMAGE_ENDPOINTS)(
  'the wrong task on $path → 400 naming the models that can',
  ({ path, task }) => {
    const unable = index.models.find((name) => !bundledManifest(name).tasks.includes(task));
    const none = unable === undefined ? `every bundled model lists task "${task}"` : undefined;
    it.skipIf(none !== undefined)(titled(`a model without task "${task}"`, none), async () => {
      const result = await post(path, { model: unable, images: [image] });
      expect(result).toEqual({
        status: 400,
        body: {
          error: { code: 'unsupported_task', message: `Model "${unable}" cannot ${task}; ${whoCan(task)}` },
        },
      });
    });

    it(`no default model for "${task}"`, async () => {
      const result = await postWithoutDefaults(path, { images: [image] });
      expect(result).toEqual({
        status: 400,
        body: {
          error: { code: 'unsupported_task', message: `No default model for "${task}"; ${whoCan(task)}` },
        },
      });
    });
  },
);

describe('POST /v1/generate → 400, 415', () => {
  const BAD_REQUESTS: [name: string, body: unknown, issue: { path: string; message: string }][] = [
    ['no count', {}, { path: 'count', message: 'must be a whole number, got undefined' }],
    ['count 0', { count: 0 }, { path: 'count', message: 'must be at least 1' }],
    ['count 257', { count: 257 }, { path: 'count', message: 'must be at most 256' }],
    ['a fractional count', { count: 1.5 }, { path: 'count', message: 'must be a whole number, got 1.5' }],
    ['a count as a string', { count: '8' }, { path: 'count', message: 'must be a whole number, got "8"' }],
    ['a negative seed', { count: 1, seed: -1 }, { path: 'seed', message: 'must be in [0, 4294967295]' }],
    [
      'images (not a generate field)',
      { count: 1, images: [image] },
      { path: 'images', message: 'is not a known field' },
    ],
    ['an array body', [1], { path: 'body', message: 'must be a JSON object, got an array' }],
  ];

  it.each(BAD_REQUESTS)('%s', async (_, body, issue) => {
    const result = (await post('/v1/generate', body)) as {
      status: number;
      body: { error: { issues: unknown[] } };
    };
    expect(result.status).toBe(400);
    expect(result.body.error.issues).toEqual([issue]);
  });

  it('takes JSON only', async () => {
    const result = await statusAndBody(await fetchApi('/v1/generate', float32Init([image])));
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "unsupported_media_type",
            "message": "Content-Type must be application/json, got "application/octet-stream"",
          },
        },
        "status": 415,
      }
    `);
  });

  it('says when no model is the default for generate, and which models can', async () => {
    const result = await postWithoutDefaults('/v1/generate', { count: 2 });
    expect(result).toEqual({
      status: 400,
      body: {
        error: {
          code: 'unsupported_task',
          message: `No default model for "generate"; ${whoCan('generate')}`,
        },
      },
    });
  });
});

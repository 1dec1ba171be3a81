// Every way a request can be wrong gets its 4xx and a message that says what and where.
// Error bodies are part of the API, so they are pinned with inline snapshots.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  bundledManifest,
  flatImage,
  float32Init,
  IMAGE_ENDPOINTS,
  index,
  jsonInit,
  pngHeaderOnly,
  statusAndBody,
  toBase64,
} from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const post = async (path: string, body: unknown) => statusAndBody(await fetchApi(path, jsonInit(body)));
const image = flatImage(0.5);

describe('invalid images → 400', () => {
  it('names the image with the wrong number of values', async () => {
    const result = await post('/v1/embed', { images: [image, image, image, image.slice(0, 12)] });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must have 784 values, got 12",
                "path": "images[3]",
              },
            ],
            "message": "images[3] must have 784 values, got 12",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects "NaN" sent as a string', async () => {
    const bad: unknown[] = [...image];
    bad[5] = 'NaN';
    const result = await post('/v1/embed', { images: [bad] });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be a number in [0, 1], got "NaN"",
                "path": "images[0][5]",
              },
            ],
            "message": "images[0][5] must be a number in [0, 1], got "NaN"",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects 1e999, which JSON.parse reads as Infinity', async () => {
    const body = JSON.stringify({ images: [image] }).replace('[[0.5,', '[[1e999,');
    const result = await post('/v1/reconstruct', body);
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be a number in [0, 1], got Infinity",
                "path": "images[0][0]",
              },
            ],
            "message": "images[0][0] must be a number in [0, 1], got Infinity",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects pixels outside [0, 1]', async () => {
    const result = await post('/v1/embed', { images: [[...image.slice(0, 783), 2]] });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be a number in [0, 1], got 2",
                "path": "images[0][783]",
              },
            ],
            "message": "images[0][783] must be a number in [0, 1], got 2",
          },
        },
        "status": 400,
      }
    `);
  });

  it('reads a string where an image should be as a base64 image, and says it is not one', async () => {
    const result = await post('/v1/embed', { images: ['abc', image] });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "is not a readable image: Unsupported image format: expected PNG or JPEG",
                "path": "images[0]",
              },
            ],
            "message": "images[0] is not a readable image: Unsupported image format: expected PNG or JPEG",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects a string where the list of images should be', async () => {
    const result = await post('/v1/embed', { images: 'abc' });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be an array of images, got "abc"",
                "path": "images",
              },
            ],
            "message": "images must be an array of images, got "abc"",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects an empty list', async () => {
    const result = await post('/v1/embed', { images: [] });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must contain at least 1 image",
                "path": "images",
              },
            ],
            "message": "images must contain at least 1 image",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects 257 images', async () => {
    const result = await post('/v1/embed', { images: Array.from({ length: 257 }, () => image) });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must contain at most 256 images, got 257",
                "path": "images",
              },
            ],
            "message": "images must contain at most 256 images, got 257",
          },
        },
        "status": 400,
      }
    `);
  });

  it('lists every bad image, and the message counts the rest', async () => {
    const result = await post('/v1/embed', { images: [[], image, [0.1]] });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must have 784 values, got 0",
                "path": "images[0]",
              },
              {
                "message": "must have 784 values, got 1",
                "path": "images[2]",
              },
            ],
            "message": "images[0] must have 784 values, got 0 (and 1 more issue)",
          },
        },
        "status": 400,
      }
    `);
  });
});

describe('invalid bodies → 400', () => {
  it('rejects an unknown key', async () => {
    const result = await post('/v1/embed', { images: [image], image: [image] });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "is not a known field",
                "path": "image",
              },
            ],
            "message": "image is not a known field",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects a missing images field and a model that is not a name', async () => {
    const result = await post('/v1/embed', { model: 7 });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be a model name, got 7",
                "path": "model",
              },
              {
                "message": "is required",
                "path": "images",
              },
            ],
            "message": "model must be a model name, got 7 (and 1 more issue)",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects a body that is not a JSON object', async () => {
    const result = await post('/v1/embed', [image]);
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be a JSON object, got an array",
                "path": "body",
              },
            ],
            "message": "body must be a JSON object, got an array",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects malformed JSON', async () => {
    const result = await post('/v1/embed', '{"images": [[0.5,');
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "message": "Malformed JSON in request body",
          },
        },
        "status": 400,
      }
    `);
  });
});

describe('wrong media type or size → 415, 413', () => {
  it('rejects a body whose content type is not JSON', async () => {
    const init = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' };
    const result = await statusAndBody(await fetchApi('/v1/embed', init));
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "unsupported_media_type",
            "message": "Content-Type must be application/json or application/octet-stream, got "text/plain"",
          },
        },
        "status": 415,
      }
    `);
  });

  it('rejects a body without a content type', async () => {
    const result = await statusAndBody(
      await fetchApi('/v1/embed', { method: 'POST', body: new Uint8Array([1]) }),
    );
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "unsupported_media_type",
            "message": "Content-Type must be application/json or application/octet-stream, got no Content-Type",
          },
        },
        "status": 415,
      }
    `);
  });

  it('rejects a body over 8 MiB before parsing it', async () => {
    const result = await post('/v1/embed', `{"images":[${'0,'.repeat(4.5 * 1024 * 1024)}0]}`);
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "payload_too_large",
            "message": "Request body is larger than 8388608 bytes (8 MiB)",
          },
        },
        "status": 413,
      }
    `);
  });
});

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

describe.each(IMAGE_ENDPOINTS)('bad images on $path → 400 naming what and where', ({ path }) => {
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
    const unable = index.models.filter((name) => !bundledManifest(name).tasks.includes(task));
    const able = index.models.filter((name) => bundledManifest(name).tasks.includes(task));
    const who = able.length === 0 ? 'no model can' : `models that can: ${able.join(', ')}`;

    it.skipIf(unable.length === 0)(`a model without task "${task}"`, async () => {
      const result = await post(path, { model: unable[0], images: [image] });
      expect(result).toEqual({
        status: 400,
        body: { error: { code: 'unsupported_task', message: `Model "${unable[0]}" cannot ${task}; ${who}` } },
      });
    });

    it.skipIf(index.defaults[task] !== undefined)(`no default model for "${task}"`, async () => {
      const result = await post(path, { images: [image] });
      expect(result).toEqual({
        status: 400,
        body: { error: { code: 'unsupported_task', message: `No default model for "${task}"; ${who}` } },
      });
    });
  },
);

describe('application/octet-stream bodies → 400', () => {
  const send = async (init: ReturnType<typeof float32Init>, path = '/v1/embed') =>
    statusAndBody(await fetchApi(`${path}${init.query}`, init));

  it('rejects a length that is not N×784 float32', async () => {
    const result = await send({ ...float32Init([image]), body: new Uint8Array(1000) });
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be N×784 float32 values (a multiple of 3136 bytes), got 1000 bytes",
                "path": "body",
              },
            ],
            "message": "body must be N×784 float32 values (a multiple of 3136 bytes), got 1000 bytes",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects an empty body and 257 images', async () => {
    const empty = await send({ ...float32Init([]) });
    expect(empty).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must hold 1–256 images, got 0",
                "path": "body",
              },
            ],
            "message": "body must hold 1–256 images, got 0",
          },
        },
        "status": 400,
      }
    `);
    const tooMany = await send(float32Init(Array.from({ length: 257 }, () => image)));
    expect((tooMany.body as { error: { message: string } }).error.message).toBe(
      'body must hold 1–256 images, got 257',
    );
  });

  it('names the first NaN, Infinity or out-of-range pixel of each image', async () => {
    const result = await send(
      float32Init([
        withPixel(3, Number.NaN) as number[],
        image,
        withPixel(700, Infinity) as number[],
        withPixel(5, -1) as number[],
      ]),
    );
    expect(result).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be a number in [0, 1], got NaN",
                "path": "images[0][3]",
              },
              {
                "message": "must be a number in [0, 1], got Infinity",
                "path": "images[2][700]",
              },
              {
                "message": "must be a number in [0, 1], got -1",
                "path": "images[3][5]",
              },
            ],
            "message": "images[0][3] must be a number in [0, 1], got NaN (and 2 more issues)",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects an unknown query parameter and a model named twice, differently', async () => {
    const unknown = await send(float32Init([image], '?modle=mnist-mlp-ae'));
    expect(unknown).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "is not a known field",
                "path": "query.modle",
              },
            ],
            "message": "query.modle is not a known field",
          },
        },
        "status": 400,
      }
    `);
    const init = jsonInit({ model: 'mnist-mlp-ae', images: [image] });
    const twice = await statusAndBody(await fetchApi('/v1/embed?model=other', init));
    expect(twice).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "names "other" but the body names "mnist-mlp-ae"",
                "path": "query.model",
              },
            ],
            "message": "query.model names "other" but the body names "mnist-mlp-ae"",
          },
        },
        "status": 400,
      }
    `);
  });

  it('404s an unknown ?model=', async () => {
    const result = await send(float32Init([image], '?model=no-such-model'));
    expect(result.status).toBe(404);
  });
});

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

  it.skipIf(index.defaults.generate !== undefined)('says when no model can generate yet', async () => {
    const result = await post('/v1/generate', { count: 2 });
    expect(result).toEqual({
      status: 400,
      body: { error: { code: 'unsupported_task', message: 'No default model for "generate"; no model can' } },
    });
  });
});

// application/octet-stream bodies (float32 little-endian, N×784): every way one can be wrong gets a 400
// that says what and where, pinned with inline snapshots like the JSON errors (./errors.test.ts).
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { flatImage, float32Init, jsonInit, statusAndBody } from './support';

const BASE = 'http://pretext.test';
const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const image = flatImage(0.5);
const withPixel = (i: number, value: unknown) => image.map((v, j) => (j === i ? value : v));

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

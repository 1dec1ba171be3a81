// Every way a request can be wrong gets its 4xx and a message that says what and where.
// Error bodies are part of the API, so they are pinned with inline snapshots.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { flatImage, jsonInit, statusAndBody } from './support';

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

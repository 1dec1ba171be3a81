// Property: whatever JSON a client throws at an endpoint, the answer is never a 5xx, and every 4xx has
// the one error shape. Bounded runs (100 per endpoint) with a fixed seed, so a failure replays.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMAGE_ENDPOINTS, jsonInit } from './support';

const BASE = 'http://pretext.test';
const post = (path: string, body: string) => exports.default.fetch(`${BASE}${path}`, jsonInit(body));

/** Values near what the endpoints expect, so that runs reach past the first check. */
const pixel = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double(),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.anything(),
);
const nearlyImage = fc.oneof(
  fc.array(pixel, { minLength: 783, maxLength: 785 }),
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 784, maxLength: 784 }),
  fc.base64String({ maxLength: 200 }),
  fc.string(),
  fc.anything(),
);
const imageBody = fc.record(
  {
    model: fc.oneof(fc.constant('mnist-mlp-ae'), fc.string(), fc.anything()),
    images: fc.array(nearlyImage, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const generateBody = fc.record(
  {
    model: fc.oneof(fc.string(), fc.anything()),
    count: fc.oneof(fc.integer(), fc.double(), fc.anything()),
    seed: fc.anything(),
  },
  { requiredKeys: [] },
);
/** Any JSON at all, some of it not even an object, and some text that is not JSON. */
const anyJson = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
);

const neighborsBody = fc.record(
  {
    model: fc.oneof(fc.constant('mnist-mlp-ae'), fc.constant('fmnist-kmeans'), fc.string(), fc.anything()),
    images: fc.array(nearlyImage, { maxLength: 3 }),
    k: fc.oneof(fc.integer({ min: -2, max: 102 }), fc.double(), fc.anything()),
  },
  { requiredKeys: [] },
);

const ENDPOINTS = [
  ...IMAGE_ENDPOINTS.map(({ path }) => ({ path, body: imageBody })),
  { path: '/v1/neighbors', body: neighborsBody },
  { path: '/v1/generate', body: generateBody },
];

describe.each(ENDPOINTS)('random JSON at $path', ({ path, body }) => {
  it('never gets a 5xx, and every error has the one shape', async () => {
    const bodies = fc.oneof(
      body.map((value) => JSON.stringify(value) ?? 'null'),
      anyJson,
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (text) => {
        const response = await post(path, text);
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          const { error } = await response.json<{ error: { code: unknown; message: unknown } }>();
          expect(typeof error.code).toBe('string');
          expect(typeof error.message).toBe('string');
        } else {
          await response.arrayBuffer();
        }
      }),
      { numRuns: 100, seed: 20261128 },
    );
  });
});

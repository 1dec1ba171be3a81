// Who may use the API inside workerd: the admin routes' token, API keys and their rate limit, and CORS,
// each over a part of miniflare's R2 bucket of its own (./r2-support.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BucketLayout } from '../../worker/store/r2-layout';
import {
  admin,
  bucket,
  freshLayout,
  isolate as isolateOver,
  publishVersion,
  ADMIN_TOKEN as TOKEN,
  upload,
} from './r2-support';
import { bundledGraph, bundledManifest, digits, graphOnly, jsonInit, statusAndBody } from './support';

const NAME = 'mnist-mlp-ae';
const V1 = '1.1.0';
const V2 = '2.0.0';
const onnx = await bundledGraph(NAME);
const images = [digits.digits[0]!.pixels];

let layout: BucketLayout;

beforeEach(() => {
  layout = freshLayout();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const isolate = (options: { bindings?: Record<string, unknown> } = {}) => isolateOver({ layout, ...options });

async function bucketKeys(): Promise<string[]> {
  return (await bucket.list({ prefix: layout.root })).objects.map((o) => o.key).sort();
}

describe('admin access', () => {
  const attempts: [string, RequestInit][] = [
    [`/admin/models/${NAME}/versions`, {}],
    [`/admin/models/${NAME}/versions/${V1}/model.onnx`, { method: 'PUT', body: 'x' }],
    [`/admin/models/${NAME}/current`, { method: 'POST', body: JSON.stringify({ version: V1 }) }],
  ];

  it('answers 401 without a token and 403 with a wrong one, in the error shape, changing nothing', async () => {
    const app = isolate();
    for (const [path, init] of attempts) {
      const missing = await app.fetch(path, init);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect(await statusAndBody(missing)).toEqual({
        status: 401,
        body: {
          error: {
            code: 'unauthorized',
            message: 'The admin routes need an Authorization: Bearer <token> header',
          },
        },
      });
      for (const token of ['wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
        expect(await statusAndBody(await app.fetch(path, admin(init, token)))).toEqual({
          status: 403,
          body: { error: { code: 'forbidden', message: 'The admin token is not valid' } },
        });
      }
    }
    expect(await bucketKeys()).toEqual([]);
  });

  it('is disabled (503) when the worker has no ADMIN_TOKEN secret', async () => {
    const app = isolate({ bindings: { ADMIN_TOKEN: undefined } });
    const result = await statusAndBody(await app.fetch(`/admin/models/${NAME}/versions`, admin()));
    expect(result.status).toBe(503);
    expect((result.body as { error: { code: string } }).error.code).toBe('admin_disabled');
  });

  it('never puts the token in a response or a log line', async () => {
    const lines: string[] = [];
    for (const method of ['log', 'error', 'warn', 'info'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    const app = isolate();
    const bodies: string[] = [];
    for (const response of [
      await publishVersion(app, { ...graphOnly(bundledManifest(NAME)), version: V1 }, { 'model.onnx': onnx }),
      await app.fetch(`/admin/models/${NAME}/versions`, admin()),
      await upload(app, NAME, V2, 'model.onnx', onnx, '0'.repeat(64)),
      await app.fetch(`/admin/models/${NAME}/versions`, admin({}, `${TOKEN}-wrong`)),
    ]) {
      bodies.push(JSON.stringify([...response.headers]), await response.text());
    }
    expect(lines.length).toBeGreaterThan(0); // the pointer move is logged
    for (const text of [...bodies, ...lines]) expect(text).not.toContain(TOKEN);
  });
});

describe('API keys and rate limiting', () => {
  it('leaves /v1 open without API_KEYS, and needs a key (Bearer or X-API-Key) with it', async () => {
    expect((await isolate().fetch('/v1/models')).status).toBe(200);
    const app = isolate({ bindings: { API_KEYS: 'key-one, key-two' } });
    expect(await statusAndBody(await app.fetch('/v1/models'))).toEqual({
      status: 401,
      body: {
        error: {
          code: 'unauthorized',
          message: 'This API needs a key: send Authorization: Bearer <key> or X-API-Key: <key>',
        },
      },
    });
    expect(
      await statusAndBody(await app.fetch('/v1/models', { headers: { 'x-api-key': 'key-three' } })),
    ).toEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: 'The API key is not valid' } },
    });
    expect((await app.fetch('/v1/models', { headers: { 'x-api-key': 'key-two' } })).status).toBe(200);
    expect((await app.fetch('/v1/models', { headers: { authorization: 'Bearer key-one' } })).status).toBe(
      200,
    );
    expect((await app.fetch('/healthz')).status).toBe(200); // not an inference endpoint
  });

  it('answers 429 with Retry-After once a key spends its limit (100 a minute), and counts keys apart', async () => {
    // The limiter's windows are aligned to the wall clock (minute 0–59 s, then a fresh count), so a
    // burst that straddles a minute boundary is rightly let through again. Such a burst is repeated
    // with new keys in the new minute, which it cannot straddle: a 100-request burst takes seconds.
    const minute = () => Math.floor(Date.now() / 60_000);
    let key = '';
    let other = '';
    let send: (k: string) => Promise<Response> = async () => new Response(null);
    let statuses: number[] = [];
    let limited = new Response(null);
    for (let attempt = 0; attempt < 2; attempt++) {
      key = `key-${crypto.randomUUID()}`;
      other = `key-${crypto.randomUUID()}`;
      const app = isolate({ bindings: { API_KEYS: `${key},${other}` } });
      send = async (k: string) => app.fetch('/v1/models', { headers: { 'x-api-key': k } });
      statuses = [];
      const started = minute();
      for (let i = 0; i < 101; i++) statuses.push((await send(key)).status);
      limited = await send(key);
      if (minute() === started) break;
    }
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(statuses[100]).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(await statusAndBody(limited)).toEqual({
      status: 429,
      body: {
        error: { code: 'rate_limited', message: 'Too many requests for this API key; retry after 60 s' },
      },
    });
    expect((await send(other)).status).toBe(200);
  });
});

describe('CORS', () => {
  const preflight = {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-api-key',
    },
  };

  it('answers a preflight from a listed origin, and exposes X-Model-Version to it', async () => {
    const app = isolate({ bindings: { CORS_ORIGINS: 'https://demo.example, https://app.example' } });
    const response = await app.fetch('/v1/embed', preflight);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('X-API-Key');
    const answer = await app.fetch('/v1/embed', {
      ...jsonInit({ model: NAME, images }),
      headers: { 'content-type': 'application/json', origin: 'https://app.example' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(answer.headers.get('access-control-expose-headers')).toContain('X-Model-Version');
  });

  it('gives no CORS headers to an unlisted origin, nor to anyone when CORS_ORIGINS is empty', async () => {
    const listed = isolate({ bindings: { CORS_ORIGINS: 'https://demo.example' } });
    const other = await listed.fetch('/v1/embed', preflight);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const off = await isolate().fetch('/v1/models', { headers: { origin: 'https://app.example' } });
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
  });
});

// Issue 9 inside workerd, against miniflare's real R2 simulation (the MODELS binding of wrangler.toml):
// publish a version, hot-swap to it, roll back, refuse a corrupted upload, and guard who may do any of it.
// Each test builds its own apps (each an "isolate": registry, pointer cache) over the shared bucket, under
// a root of its own: the pool keeps R2 between tests, and other test files serve `models/` meanwhile.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../worker/app';
import type { Manifest } from '../../worker/contract/manifest';
import { wasmRuntime } from '../../worker/runtime/ort';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { BundledStore } from '../../worker/store/bundled-store';
import { BucketLayout } from '../../worker/store/r2-layout';
import { R2Store } from '../../worker/store/r2-store';
import { sha256Hex } from '../../worker/store/sha256';
import { bundledFiles, bundledGraph, bundledManifest, digits, jsonInit, statusAndBody } from './support';

const runtime = wasmRuntime();
const bucket = env.MODELS;
const NAME = 'mnist-mlp-ae';
const V1 = '1.1.0';
const V2 = '2.0.0';
const TOKEN = 'admin-token-for-tests-7f3a9c';
const onnx = await bundledGraph(NAME);
const images = [digits.digits[0]!.pixels];

/** This test's part of the bucket. */
let layout = new BucketLayout();

beforeEach(() => {
  layout = new BucketLayout(`test-${crypto.randomUUID()}/models/`);
});

/** One worker isolate over the test bucket, with a clock the test steps. */
function isolate({ ttlMs = 0, bindings = {} as Record<string, unknown> } = {}) {
  let now = 0;
  const store = new R2Store({
    bucket,
    root: layout.root,
    fallback: new BundledStore(bundledModels, bundledFiles),
    pointerTtlMs: ttlMs,
    now: () => now,
  });
  const app = createApp({ store, runtime });
  const allBindings = { ...env, ADMIN_TOKEN: TOKEN, ...bindings };
  return {
    fetch: (path: string, init?: RequestInit) => app.request(path, init, allBindings),
    advance: (ms: number) => {
      now += ms;
    },
  };
}
type Isolate = ReturnType<typeof isolate>;

const admin = (init: RequestInit = {}, token = TOKEN): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
});

function manifestFor(version: string, changes: Partial<Manifest> = {}): Manifest {
  return { ...bundledManifest(NAME), version, ...changes };
}

async function upload(app: Isolate, version: string, file: string, body: ArrayBuffer | string, sha?: string) {
  const bytes = typeof body === 'string' ? (new TextEncoder().encode(body).buffer as ArrayBuffer) : body;
  return app.fetch(
    `/admin/models/${NAME}/versions/${version}/${file}`,
    admin({
      method: 'PUT',
      body: bytes,
      headers: { 'x-content-sha256': sha ?? (await sha256Hex(bytes)) },
    }),
  );
}

async function publish(app: Isolate, version: string, manifest = manifestFor(version), bytes = onnx) {
  expect((await upload(app, version, 'model.onnx', bytes)).status).toBe(201);
  expect((await upload(app, version, 'manifest.json', JSON.stringify(manifest))).status).toBe(201);
  return moveCurrent(app, version);
}

const moveCurrent = (app: Isolate, version: string) =>
  app.fetch(
    `/admin/models/${NAME}/current`,
    admin({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version }),
    }),
  );

async function embedVersion(app: Isolate): Promise<string> {
  const response = await app.fetch('/v1/embed', jsonInit({ model: NAME, images }));
  expect(response.status).toBe(200);
  const body = (await response.json()) as { version: string };
  expect(response.headers.get('x-model-version')).toBe(body.version);
  return body.version;
}

async function bucketKeys(): Promise<string[]> {
  return (await bucket.list({ prefix: layout.root })).objects.map((o) => o.key).sort();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('an empty bucket', () => {
  it('changes nothing: the bundled model answers, and the admin API lists no versions', async () => {
    const app = isolate();
    expect(await embedVersion(app)).toBe(bundledManifest(NAME).version);
    const listing = await statusAndBody(await app.fetch(`/admin/models/${NAME}/versions`, admin()));
    expect(listing).toEqual({ status: 200, body: { model: NAME, current: null, versions: [] } });
  });
});

describe('publish and roll back', () => {
  it('answers from v2 once it is published, and from v1 after a rollback', async () => {
    const app = isolate();
    expect((await publish(app, V1)).status).toBe(200);
    expect(await embedVersion(app)).toBe(V1);

    const moved = await statusAndBody(await publish(app, V2));
    expect(moved).toEqual({ status: 200, body: { model: NAME, current: V2, previous: V1 } });
    expect(await embedVersion(app)).toBe(V2);
    const listed = (await (await app.fetch('/v1/models')).json()) as { models: Manifest[] };
    expect(listed.models.find((m) => m.name === NAME)?.version).toBe(V2);

    expect((await moveCurrent(app, V1)).status).toBe(200);
    expect(await embedVersion(app)).toBe(V1);
    const versions = (await (await app.fetch(`/admin/models/${NAME}/versions`, admin())).json()) as {
      current: string;
      versions: { version: string }[];
    };
    expect(versions.current).toBe(V1);
    expect(versions.versions.map((v) => v.version)).toEqual([V1, V2]);
  });

  it('reaches another isolate within the pointer TTL, without a restart', async () => {
    const publisher = isolate();
    const server = isolate({ ttlMs: 5_000 });
    await publish(publisher, V1);
    expect(await embedVersion(server)).toBe(V1);
    await publish(publisher, V2);
    server.advance(4_000);
    expect(await embedVersion(server)).toBe(V1); // its pointer is still fresh
    server.advance(1_001);
    expect(await embedVersion(server)).toBe(V2);
  });

  it('lets every one of 40 concurrent requests during a swap succeed, each on v1 or v2', async () => {
    const app = isolate();
    await publish(app, V1);
    await upload(app, V2, 'model.onnx', onnx);
    await upload(app, V2, 'manifest.json', JSON.stringify(manifestFor(V2)));
    const requests = Array.from({ length: 40 }, (_, i) =>
      app.fetch(i % 2 === 0 ? '/v1/embed' : '/v1/reconstruct', jsonInit({ model: NAME, images })),
    );
    const swap = moveCurrent(app, V2);
    const responses = await Promise.all(requests);
    expect((await swap).status).toBe(200);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect([V1, V2]).toContain(((await response.json()) as { version: string }).version);
    }
    expect(await embedVersion(app)).toBe(V2);
  });

  it('treats a retried upload of the same bytes as done, and refuses different bytes for a published file', async () => {
    const app = isolate();
    await publish(app, V1);
    expect((await upload(app, V1, 'model.onnx', onnx)).status).toBe(200);
    const other = new Uint8Array(onnx.slice(0));
    other[10]! ^= 1;
    const refused = await statusAndBody(await upload(app, V1, 'model.onnx', other.buffer));
    expect(refused).toEqual({
      status: 409,
      body: {
        error: {
          code: 'conflict',
          message: `Version ${V1} of "${NAME}" already has a different model.onnx; versions are immutable, publish a new version`,
        },
      },
    });
  });
});

describe('integrity', () => {
  const tampered = () => {
    const bytes = new Uint8Array(onnx.slice(0));
    bytes[bytes.length - 100]! ^= 0xff;
    return bytes.buffer;
  };

  it('refuses an upload whose bytes do not match their sha256, stores nothing, and v1 keeps serving', async () => {
    const app = isolate();
    await publish(app, V1);
    const before = await bucketKeys();
    const claimed = await sha256Hex(onnx);
    const result = await statusAndBody(await upload(app, V2, 'model.onnx', tampered(), claimed));
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      error: {
        code: 'invalid_input',
        message: expect.stringMatching(
          /^The upload of model\.onnx is corrupt: its sha256 is [0-9a-f]{64}, but X-Content-SHA256 says [0-9a-f]{64}; nothing was stored$/,
        ),
      },
    });
    expect(await bucketKeys()).toEqual(before);
    expect(await embedVersion(app)).toBe(V1);
  });

  it('will not put live a version whose graph does not match its manifest, nor one whose manifest fails the schema', async () => {
    const app = isolate();
    await publish(app, V1);
    // Self-consistent uploads (each sha256 right), but the graph is not the one the manifest describes.
    await upload(app, V2, 'model.onnx', tampered());
    await upload(app, V2, 'manifest.json', JSON.stringify(manifestFor(V2)));
    const refused = await statusAndBody(await moveCurrent(app, V2));
    expect(refused.status).toBe(409);
    expect((refused.body as { error: { message: string } }).error.message).toMatch(
      /^Version 2\.0\.0 of "mnist-mlp-ae" cannot go live: the sha256 of model\.onnx is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
    );
    const badManifest = await statusAndBody(
      await upload(app, '3.0.0', 'manifest.json', JSON.stringify({ ...manifestFor('3.0.0'), tasks: [] })),
    );
    expect(badManifest).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          message:
            'The manifest.json of version 3.0.0 does not match the manifest schema (tasks: Too small: expected array to have >=1 items); nothing was stored',
        },
      },
    });
    expect(await embedVersion(app)).toBe(V1);
    expect(await (await bucket.get(layout.pointerKey(NAME)))?.text()).toBe(V1);
  });

  it('keeps serving v1 when the pointer is moved behind its back to a broken version, and says why once', async () => {
    const warm = isolate();
    await publish(warm, V1);
    expect(await embedVersion(warm)).toBe(V1);
    // Written straight into the bucket, past the admin checks: a corrupted object, a hand-edited pointer.
    await bucket.put(layout.fileKey(NAME, V2, 'model.onnx'), tampered());
    await bucket.put(layout.fileKey(NAME, V2, 'manifest.json'), JSON.stringify(manifestFor(V2)));
    await bucket.put(layout.pointerKey(NAME), V2);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await embedVersion(warm)).toBe(V1);
    expect(await embedVersion(warm)).toBe(V1);
    const stays = log.mock.calls.filter(([line]) => String(line).includes('stays on version'));
    expect(stays).toHaveLength(1);
    expect(String(stays[0]![0])).toMatch(
      /^Model "mnist-mlp-ae" stays on version 1\.1\.0: Model "mnist-mlp-ae" is unavailable: the sha256 of model\.onnx is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
    );

    // An isolate that never served v1 has nothing to fall back on: 503 for this model only.
    const cold = isolate();
    const unavailable = await cold.fetch('/v1/embed', jsonInit({ model: NAME, images }));
    expect(unavailable.status).toBe(503);
    expect(((await unavailable.json()) as { error: { code: string } }).error.code).toBe('model_unavailable');
  });

  it('keeps serving v1 when the live version manifest fails the schema', async () => {
    const warm = isolate();
    await publish(warm, V1);
    expect(await embedVersion(warm)).toBe(V1);
    await bucket.put(
      layout.fileKey(NAME, V2, 'manifest.json'),
      JSON.stringify({ ...manifestFor(V2), method: 'magic' }),
    );
    await bucket.put(layout.pointerKey(NAME), V2);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await embedVersion(warm)).toBe(V1);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('does not match the manifest schema'));
  });
});

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
      await publish(app, V1),
      await app.fetch(`/admin/models/${NAME}/versions`, admin()),
      await upload(app, V2, 'model.onnx', onnx, '0'.repeat(64)),
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
    const key = `key-${crypto.randomUUID()}`;
    const other = `key-${crypto.randomUUID()}`;
    const app = isolate({ bindings: { API_KEYS: `${key},${other}` } });
    const send = (k: string) => app.fetch('/v1/models', { headers: { 'x-api-key': k } });
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await send(key)).status);
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(statuses[100]).toBe(429);
    const limited = await send(key);
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

// Issue 9 inside workerd, against miniflare's real R2 simulation: publish a version, hot-swap to it, roll
// back, and refuse a corrupted upload. Each test builds its own isolates over a part of the bucket of its
// own (./r2-support.ts). Who may publish: ./access.test.ts; versions that fail to open: ./fallback.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../../worker/contract/manifest';
import type { BucketLayout } from '../../worker/store/r2-layout';
import { sha256Hex } from '../../worker/store/sha256';
import {
  admin,
  bucket,
  freshLayout,
  type Isolate,
  isolate as isolateOver,
  moveCurrent as moveCurrentOf,
  publishVersion,
  upload as uploadFile,
} from './r2-support';
import { bundledGraph, bundledManifest, digits, graphOnly, jsonInit, statusAndBody } from './support';

const NAME = 'mnist-mlp-ae';
const V1 = '1.1.0';
const V2 = '2.0.0';
const onnx = await bundledGraph(NAME);
const images = [digits.digits[0]!.pixels];

/** This test's part of the bucket. */
let layout: BucketLayout;

beforeEach(() => {
  layout = freshLayout();
});

const isolate = (options: { ttlMs?: number } = {}) => isolateOver({ layout, ...options });

function manifestFor(version: string, changes: Partial<Manifest> = {}): Manifest {
  return { ...graphOnly(bundledManifest(NAME)), version, ...changes };
}

const upload = (app: Isolate, version: string, file: string, body: ArrayBuffer | string, sha?: string) =>
  uploadFile(app, NAME, version, file, body, sha);
const moveCurrent = (app: Isolate, version: string) => moveCurrentOf(app, NAME, version);
const publish = (app: Isolate, version: string, manifest = manifestFor(version), bytes = onnx) =>
  publishVersion(app, manifest, { 'model.onnx': bytes });

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

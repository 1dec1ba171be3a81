// Published models inside workerd, against miniflare's real R2 simulation (the MODELS binding of
// wrangler.toml): worker "isolates" (each its own app: registry, pointer cache) over the shared bucket,
// and the admin calls that publish a version. Each test takes a root of its own in the bucket: the pool
// keeps R2 between tests, and other test files serve `models/` meanwhile.
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { createApp } from '../../worker/app';
import type { ModelRuntime } from '../../worker/runtime/model-runtime';
import { wasmRuntime } from '../../worker/runtime/ort';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import { BundledStore } from '../../worker/store/bundled-store';
import { BucketLayout } from '../../worker/store/r2-layout';
import { R2Store } from '../../worker/store/r2-store';
import { sha256Hex } from '../../worker/store/sha256';
import { bundledFiles, jsonInit } from './support';

export const bucket = env.MODELS;
export const ADMIN_TOKEN = 'admin-token-for-tests-7f3a9c';
const sharedRuntime = wasmRuntime();

/** A part of the bucket no other test uses. */
export const freshLayout = () => new BucketLayout(`test-${crypto.randomUUID()}/models/`);

export interface IsolateOptions {
  layout: BucketLayout;
  /** How long a read pointer is trusted (0: re-read on every request). */
  ttlMs?: number;
  bindings?: Record<string, unknown>;
  runtime?: ModelRuntime;
}

/** One worker isolate over the test's part of the bucket, with a clock the test steps. */
export function isolate({ layout, ttlMs = 0, bindings = {}, runtime = sharedRuntime }: IsolateOptions) {
  let now = 0;
  const store = new R2Store({
    bucket,
    root: layout.root,
    fallback: new BundledStore(bundledModels, bundledFiles),
    pointerTtlMs: ttlMs,
    now: () => now,
  });
  const app = createApp({ store, runtime });
  const allBindings = { ...env, ADMIN_TOKEN, ...bindings };
  return {
    fetch: (path: string, init?: RequestInit) => app.request(path, init, allBindings),
    post: (path: string, body: unknown) => app.request(path, jsonInit(body), allBindings),
    advance: (ms: number) => {
      now += ms;
    },
  };
}
export type Isolate = ReturnType<typeof isolate>;

export const admin = (init: RequestInit = {}, token = ADMIN_TOKEN): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
});

const asBytes = (body: ArrayBuffer | string) =>
  typeof body === 'string' ? (new TextEncoder().encode(body).buffer as ArrayBuffer) : body;

/** PUT one file of a version, with the sha256 header the admin API requires (`sha` overrides it). */
export async function upload(
  app: Isolate,
  name: string,
  version: string,
  file: string,
  body: ArrayBuffer | string,
  sha?: string,
): Promise<Response> {
  const bytes = asBytes(body);
  return app.fetch(
    `/admin/models/${name}/versions/${version}/${file}`,
    admin({ method: 'PUT', body: bytes, headers: { 'x-content-sha256': sha ?? (await sha256Hex(bytes)) } }),
  );
}

export const moveCurrent = (app: Isolate, name: string, version: string) =>
  app.fetch(
    `/admin/models/${name}/current`,
    admin({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version }),
    }),
  );

/** Uploads `files`, then the manifest, then moves `current` to the version through the admin API. */
export async function publishVersion(
  app: Isolate,
  manifest: { name: string; version: string },
  files: Readonly<Record<string, ArrayBuffer | string>>,
): Promise<Response> {
  const { name, version } = manifest;
  for (const [file, body] of Object.entries(files)) {
    expect((await upload(app, name, version, file, body)).status).toBe(201);
  }
  expect((await upload(app, name, version, 'manifest.json', JSON.stringify(manifest))).status).toBe(201);
  return moveCurrent(app, name, version);
}

/** The sha256 of a file as the manifest records it (text files: their UTF-8 bytes). */
export const sha256Of = (body: ArrayBuffer | string) => sha256Hex(asBytes(body));

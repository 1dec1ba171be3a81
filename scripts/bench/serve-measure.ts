// What the serving benchmark measures against a running server (scripts/bench/local-servers.ts): HTTP
// latency and requests/s, a fresh process's cold start, and the in-runtime timings of /__bench.
import type { Task } from '../../worker/contract/manifest';
import type { LocalServer } from './local-servers';
import { CONCURRENCY, RUN_ITERS } from './serve-settings';

export const image = (seed: number) =>
  Array.from({ length: 784 }, (_, i) => ((i * 31 + seed * 17) % 101) / 100);
export const batchOf = (n: number) => Array.from({ length: n }, (_, i) => image(i));

export async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export interface Latency {
  p50: number;
  p99: number;
  rps: number;
}

/** Sequential requests for p50/p99, then the same count with CONCURRENCY in flight for requests/s. */
export async function latency(url: string, body: unknown, count: number): Promise<Latency> {
  for (let i = 0; i < 3; i++) await post(url, body); // warm-up
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await post(url, body);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) await post(url, body);
    }),
  );
  const rps = count / ((performance.now() - started) / 1000);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), rps };
}

export interface Health {
  startup: Record<string, number>;
  sessions: { session: string; sha256Ms: number; createMs: number }[];
}

export interface ColdStart {
  readyMs: number;
  firstRequestMs: number;
  firstAnswerMs: number;
  /** The next request, to a model whose session nothing created yet: read its graph, create, run. */
  lazyRequestMs: number;
  /** That session's creation as the server's /healthz reports it. */
  lazyCreateMs: number;
  startup: Record<string, number>;
}

export type ColdKey = Exclude<keyof ColdStart, 'startup'>;

/**
 * Process start → "Ready on" → first answer (a default model's endpoint), then one request to `lazy`,
 * a model that is no task's default, so no server prepares its session ahead of time.
 */
export async function coldStart(
  server: LocalServer,
  first: { model: string; task: Task },
  lazy: { model: string; task: Task },
): Promise<ColdStart> {
  const sent = performance.now();
  await post(`${server.url}/v1/${first.task}`, { model: first.model, images: [image(0)] });
  const answered = performance.now();
  await post(`${server.url}/v1/${lazy.task}`, { model: lazy.model, images: [image(0)] });
  const lazyAnswered = performance.now();
  const health = await getJson<Health>(`${server.url}/healthz`);
  return {
    readyMs: server.readyAt - server.spawnedAt,
    firstRequestMs: answered - sent,
    firstAnswerMs: answered - server.spawnedAt,
    lazyRequestMs: lazyAnswered - answered,
    lazyCreateMs: health.sessions.find((s) => s.session.startsWith(`${lazy.model}@`))?.createMs ?? Number.NaN,
    startup: health.startup,
  };
}

export const median = (values: readonly number[]) =>
  quantile(
    values.toSorted((a, b) => a - b),
    0.5,
  );

/** Median over fresh processes of each cold-start number (each process is started, asked, stopped). */
export function medianColdStart(samples: readonly ColdStart[]): ColdStart {
  const keys: ColdKey[] = ['readyMs', 'firstRequestMs', 'firstAnswerMs', 'lazyRequestMs', 'lazyCreateMs'];
  const medians = Object.fromEntries(keys.map((key) => [key, median(samples.map((sample) => sample[key]))]));
  return { ...(medians as Record<ColdKey, number>), startup: samples.at(-1)?.startup ?? {} };
}

export interface RunTime {
  meanMs: number;
  p50Ms: number;
}

export const runTime = (server: LocalServer, model: string, n: 1 | 64, dtype: 'fp32' | 'q8' = 'fp32') =>
  getJson<RunTime>(`${server.url}/__bench/run?model=${model}&n=${n}&iters=${RUN_ITERS[n]}&dtype=${dtype}`);

export interface DecodeTime {
  bytes: number;
  ordinary: { meanMs: number; p50Ms: number };
  fast: { meanMs: number; p50Ms: number };
}

/** A batch-64 image request as a canvas-drawing client writes it (k/255 doubles, ~950 KB of JSON). */
export const decodeBody = () =>
  JSON.stringify({
    images: Array.from({ length: 64 }, (_, s) =>
      Array.from({ length: 784 }, (_, i) => ((i * 31 + s * 17) % 256) / 255),
    ),
  });

/** Decoding + validating that body inside the runtime: JSON.parse + zod, and the fast path + zod. */
export const decodeTime = (server: LocalServer) =>
  getJson<DecodeTime>(`${server.url}/__bench/decode?iters=${RUN_ITERS[64]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: decodeBody(),
  });

/** GET /healthz, sequentially: the runtime's cost of a request that runs no model. */
export async function trivialLatency(url: string, count: number): Promise<Latency> {
  for (let i = 0; i < 3; i++) await getJson(url);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await getJson(url);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), rps: Number.NaN };
}

export interface SessionBench {
  createMs: number;
  firstRunMs: number;
  meanMs: number;
}

export const sessionBench = (server: LocalServer, bytes: Uint8Array, level: string) =>
  getJson<SessionBench>(`${server.url}/__bench/session?level=${level}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });

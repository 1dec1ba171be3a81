// What the worker reads from its environment (wrangler.toml, `.dev.vars`, `wrangler secret put`). Every
// one is optional: without any, the worker serves the bundled models to anyone, as before issue 9.
import type { ModelBucket, RateLimiter } from '../store/bucket';

export interface Bindings {
  /** R2 bucket of published model versions (wrangler.toml [[r2_buckets]]); absent → bundled models only. */
  MODELS?: ModelBucket;
  /** How often, in seconds, a worker re-reads each model's `current` pointer (default 5). */
  MODEL_POINTER_TTL_S?: string;
  /** Secret bearer token of the /admin routes; absent → the admin routes answer 503. Never logged. */
  ADMIN_TOKEN?: string;
  /** Secret list of API keys (comma or whitespace separated) for /v1/*; absent or empty → open API. */
  API_KEYS?: string;
  /** Workers rate-limiting binding (wrangler.toml [[ratelimits]]), applied per API key. */
  RATE_LIMITER?: RateLimiter;
  /** The `period` of RATE_LIMITER in seconds, for Retry-After (default 60, as in wrangler.toml). */
  RATE_LIMIT_PERIOD_S?: string;
  /** Origins allowed to call the API from a browser: comma separated, or "*"; absent → no CORS headers. */
  CORS_ORIGINS?: string;
  /** "0" turns off the ORT warm-up at isolate start (worker/runtime/ort.ts); anything else keeps it. */
  ORT_WARMUP?: string;
  /** MiB of memory ORT may hold, its heap included (worker/serving/memory-budget.ts); default 64. */
  ORT_MEMORY_BUDGET_MIB?: string;
}

/** c.env as Bindings: workerd passes the bindings, app.request in tests and the Node bench may pass none. */
export function bindingsOf(env: unknown): Bindings {
  return (typeof env === 'object' && env !== null ? env : {}) as Bindings;
}

/** A positive number of seconds from a var, or the default when it is unset or not a number. */
export function secondsVar(value: string | undefined, fallback: number): number {
  const seconds = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : fallback;
}

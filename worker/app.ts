// The HTTP API (DESIGN.md, "HTTP API"): small route sub-apps over one model registry, one body limit,
// one validation hook and one error handler that shapes every error body; /openapi.json is generated
// from the same zod schemas that validate the requests.
import { requireApiKey } from './http/auth';
import { limitBody } from './http/body-limit';
import { corsFromEnv } from './http/cors';
import { onError, onNotFound } from './http/error-handler';
import { modelVersionHeaders } from './http/model-version-header';
import { rateLimitPerKey } from './http/rate-limit';
import { routesApp } from './http/routes-app';
import { adminRoutes } from './routes/admin-models';
import { benchRoutes } from './routes/bench';
import { classifyRoutes } from './routes/classify';
import { clusterRoutes } from './routes/cluster';
import { denoiseRoutes } from './routes/denoise';
import { docsRoutes } from './routes/docs';
import { embedRoutes } from './routes/embed';
import { generateRoutes } from './routes/generate';
import { healthRoutes } from './routes/health';
import { jigsawRoutes } from './routes/jigsaw';
import { modelFileRoutes } from './routes/model-file';
import { modelRoutes } from './routes/models';
import { neighborsRoutes } from './routes/neighbors';
import { reconstructRoutes } from './routes/reconstruct';
import { referenceImageRoutes } from './routes/reference-image';
import { rotationRoutes } from './routes/rotation';
import { textEmbedRoutes } from './routes/text-embed';
import { fillMaskRoutes } from './routes/text-fill-mask';
import { unshuffleRoutes } from './routes/text-unshuffle';
import type { ModelRuntime } from './runtime/model-runtime';
import { ModelRegistry } from './serving/model-registry';
import type { ModelStore, StoredModel } from './store/model-store';
import { R2Store } from './store/r2-store';

export interface AppOptions {
  store: ModelStore;
  /**
   * What runs the models: onnxruntime-web on wasm in the worker (worker/index.ts); onnxruntime-node in
   * the serving benchmark (scripts/bench/node-runtime.ts), which serves this same app on plain Node.
   * Passed in rather than imported here, so neither ORT package reaches the other's build.
   */
  runtime: ModelRuntime;
  /**
   * Models whose sessions to create before any request (worker/index.ts: the small default models,
   * once ORT is warm); resolved at the isolate's start. Absent: every session is created on first use.
   */
  preload?: Promise<readonly StoredModel[]>;
  /**
   * What ORT and the reference data may hold (worker/serving/memory-budget.ts; ORT_MEMORY_BUDGET_MIB);
   * default 64 MiB.
   */
  memoryBudgetBytes?: number;
  /** Of that, the share for reference indexes and images; default REFERENCE_BYTES (12 MiB). */
  referenceBudgetBytes?: number;
}

export function createApp({ store, runtime, preload, memoryBudgetBytes, referenceBudgetBytes }: AppOptions) {
  const registry = new ModelRegistry(store, runtime, {
    budgetBytes: memoryBudgetBytes,
    referenceBytes: referenceBudgetBytes,
  });
  if (preload !== undefined) void preload.then((models) => registry.preload(models)).catch(() => undefined);
  const api = routesApp();
  // Before the routes: CORS answers preflights, then keys and rate limits guard the public API.
  api.use('*', corsFromEnv);
  api.use('/v1/*', requireApiKey, rateLimitPerKey, modelVersionHeaders);
  // The operator's routes (issue 9), with their own auth and upload limit, apart from the public chain.
  api.route('/', adminRoutes(store instanceof R2Store ? store : undefined));
  // Dev/bench only (PRETEXT_BENCH=1), registered apart from the chain so it stays out of `App`.
  api.route('/', benchRoutes(registry));
  const app = api
    .use(limitBody)
    .route('/', healthRoutes(registry))
    .route('/', modelRoutes(registry))
    .route('/', modelFileRoutes(registry, store))
    .route('/', embedRoutes(registry))
    .route('/', reconstructRoutes(registry))
    .route('/', denoiseRoutes(registry))
    .route('/', clusterRoutes(registry))
    .route('/', rotationRoutes(registry))
    .route('/', jigsawRoutes(registry))
    .route('/', generateRoutes(registry))
    .route('/', classifyRoutes(registry))
    .route('/', fillMaskRoutes(registry))
    .route('/', unshuffleRoutes(registry))
    .route('/', textEmbedRoutes(registry))
    .route('/', neighborsRoutes(registry))
    .route('/', referenceImageRoutes(registry, store));
  // `api` is the same object as `app`, still typed as an OpenAPIHono: it holds the routes' registry.
  return app.route('/', docsRoutes(api)).notFound(onNotFound).onError(onError);
}

/** The app's type, for hono's typed RPC client (worker/client/). */
export type App = ReturnType<typeof createApp>;

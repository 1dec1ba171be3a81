// The HTTP API (DESIGN.md, "HTTP API"): small route sub-apps over one model registry, one body limit,
// one validation hook and one error handler that shapes every error body; /openapi.json is generated
// from the same zod schemas that validate the requests.
import { limitBody } from './http/body-limit';
import { onError, onNotFound } from './http/error-handler';
import { routesApp } from './http/routes-app';
import { classifyRoutes } from './routes/classify';
import { clusterRoutes } from './routes/cluster';
import { denoiseRoutes } from './routes/denoise';
import { docsRoutes } from './routes/docs';
import { embedRoutes } from './routes/embed';
import { generateRoutes } from './routes/generate';
import { healthRoutes } from './routes/health';
import { jigsawRoutes } from './routes/jigsaw';
import { modelRoutes } from './routes/models';
import { reconstructRoutes } from './routes/reconstruct';
import { rotationRoutes } from './routes/rotation';
import { type Device, detectDevice, executionProvidersFor } from './runtime/execution-providers';
import { ModelRegistry } from './serving/model-registry';
import type { ModelStore } from './store/model-store';

export interface AppOptions {
  store: ModelStore;
  /** Defaults to what the runtime offers: webgpu where navigator.gpu exists, else wasm. */
  device?: Device;
}

export function createApp({ store, device = detectDevice() }: AppOptions) {
  executionProvidersFor(device); // fail at start-up, not on the first request, for a device typo
  const registry = new ModelRegistry(store, device);
  const api = routesApp();
  const app = api
    .use(limitBody)
    .route('/', healthRoutes(registry))
    .route('/', modelRoutes(registry))
    .route('/', embedRoutes(registry))
    .route('/', reconstructRoutes(registry))
    .route('/', denoiseRoutes(registry))
    .route('/', clusterRoutes(registry))
    .route('/', rotationRoutes(registry))
    .route('/', jigsawRoutes(registry))
    .route('/', generateRoutes(registry))
    .route('/', classifyRoutes(registry));
  // `api` is the same object as `app`, still typed as an OpenAPIHono: it holds the routes' registry.
  return app.route('/', docsRoutes(api)).notFound(onNotFound).onError(onError);
}

/** The app's type, for hono's typed RPC client (worker/client.ts). */
export type App = ReturnType<typeof createApp>;

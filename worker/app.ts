// The HTTP API (DESIGN.md, "HTTP API"): small route sub-apps over one model registry, one body limit,
// and one error handler that shapes every error body.
import { Hono } from 'hono';
import { limitBody } from './http/body-limit';
import { onError, onNotFound } from './http/error-handler';
import { embedRoutes } from './routes/embed';
import { healthRoutes } from './routes/health';
import { modelRoutes } from './routes/models';
import { reconstructRoutes } from './routes/reconstruct';
import { type Device, detectDevice, executionProvidersFor } from './runtime/execution-providers';
import { ModelRegistry } from './serving/model-registry';
import type { ModelStore } from './store/model-store';

export interface AppOptions {
  store: ModelStore;
  /** Defaults to what the runtime offers: webgpu where navigator.gpu exists, else wasm. */
  device?: Device;
}

export function createApp({ store, device = detectDevice() }: AppOptions): Hono {
  executionProvidersFor(device); // fail at start-up, not on the first request, for a device typo
  const registry = new ModelRegistry(store, device);
  return new Hono()
    .use(limitBody)
    .route('/', healthRoutes(registry))
    .route('/', modelRoutes(registry))
    .route('/', embedRoutes(registry))
    .route('/', reconstructRoutes(registry))
    .notFound(onNotFound)
    .onError(onError);
}

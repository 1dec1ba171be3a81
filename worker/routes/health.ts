// GET /healthz: is the worker up, which backend runs the models, how many models it bundles.
import { Hono } from 'hono';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { ModelRegistry } from '../serving/model-registry';

export function healthRoutes(registry: ModelRegistry): Hono {
  return new Hono()
    .get('/healthz', async (c) => {
      const { models } = await registry.index();
      return c.json({ status: 'ok', backend: registry.device, models: models.length });
    })
    .all('/healthz', methodNotAllowed(['GET']));
}

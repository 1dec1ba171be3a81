// GET /v1/models and /v1/models/:name: the manifests, so clients can see what each model does.
import { Hono } from 'hono';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { ModelRegistry } from '../serving/model-registry';

export function modelRoutes(registry: ModelRegistry): Hono {
  return new Hono()
    .get('/v1/models', async (c) => c.json({ models: await registry.manifests() }))
    .get('/v1/models/:name', async (c) => c.json(await registry.manifest(c.req.param('name'))))
    .all('/v1/models', methodNotAllowed(['GET']))
    .all('/v1/models/:name', methodNotAllowed(['GET']));
}

// GET /v1/models and /v1/models/:name: the manifests, so clients can see what each model does.
import { createRoute, z } from '@hono/zod-openapi';
import { ManifestSchema } from '../contract/manifest';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import { MODEL_ERROR_RESPONSES, NOT_FOUND_RESPONSE } from '../schemas/errors';
import type { ModelRegistry } from '../serving/model-registry';

// Not named with .openapi(): manifest.ts builds it with plain zod, which has no .openapi() at that point.
const ManifestDoc = ManifestSchema;

const listRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['service'],
  summary: 'List the models',
  responses: {
    200: {
      description: 'The manifest of every servable model',
      content: { 'application/json': { schema: z.object({ models: z.array(ManifestDoc) }) } },
    },
  },
});

const oneRoute = createRoute({
  method: 'get',
  path: '/v1/models/{name}',
  tags: ['service'],
  summary: 'One model',
  request: { params: z.object({ name: z.string().openapi({ example: 'mnist-mlp-ae' }) }) },
  responses: {
    200: { description: 'Its manifest', content: { 'application/json': { schema: ManifestDoc } } },
    ...NOT_FOUND_RESPONSE,
    503: MODEL_ERROR_RESPONSES[503],
  },
});

export function modelRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(listRoute, async (c) => c.json({ models: await registry.manifests() }, 200))
    .openapi(oneRoute, async (c) => c.json(await registry.manifest(c.req.valid('param').name), 200))
    .all('/v1/models', methodNotAllowed(['GET']))
    .all('/v1/models/:name', methodNotAllowed(['GET']));
}

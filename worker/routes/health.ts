// GET /healthz: is the worker up, which backend runs the models, how many models it bundles.
import { createRoute, z } from '@hono/zod-openapi';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import type { ModelRegistry } from '../serving/model-registry';

const HealthSchema = z
  .object({ status: z.literal('ok'), backend: z.enum(['wasm', 'webgpu']), models: z.number().int() })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['service'],
  summary: 'Health',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: HealthSchema } } } },
});

export function healthRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const { models } = await registry.index();
      return c.json({ status: 'ok' as const, backend: registry.device, models: models.length }, 200);
    })
    .all(route.path, methodNotAllowed(['GET']));
}

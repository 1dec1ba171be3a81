// GET /healthz: is the worker up, which backend really runs the models, how many models it serves, and
// what this isolate's cold start cost so far (each session's creation; ORT's wasm instantiation).
import { createRoute, z } from '@hono/zod-openapi';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import type { ModelRegistry } from '../serving/model-registry';

const ms = (description: string) => z.number().openapi({ description: `${description}, in ms` });

const HealthSchema = z
  .object({
    status: z.literal('ok'),
    backend: z.enum(['wasm', 'webgpu', 'cpu']).openapi({
      description:
        'The execution provider that runs the models: "wasm" in the worker; "cpu" only for onnxruntime-node in the serving benchmark',
    }),
    models: z.number().int(),
    startup: z.record(z.string(), ms('One-off runtime start-up costs so far')),
    sessions: z
      .array(
        z.object({
          session: z.string().openapi({ example: 'mnist-mlp-ae@1.0.0' }),
          readMs: ms('Reading the graph from its store (static asset or R2)'),
          sha256Ms: ms('Checking the model bytes against the manifest'),
          createMs: ms('Creating the ORT session'),
        }),
      )
      .openapi({ description: 'The sessions this isolate has created (lazily, on first use), oldest first' }),
    references: z
      .object({
        bytes: z.number().int().openapi({ description: 'Everything below, in bytes' }),
        indexes: z.array(z.object({ model: z.string(), bytes: z.number().int() })).openapi({
          description:
            'Reference indexes opened for /v1/neighbors (int8 rows, their lengths, labels), by name@version',
        }),
        files: z.array(z.object({ file: z.string(), sha256: z.string(), bytes: z.number().int() })).openapi({
          description: 'Reference images (gunzipped) and labels read for /v1/models/:name/reference/:index',
        }),
      })
      .openapi({ description: 'What the reference indexes hold in this isolate’s memory' }),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['service'],
  summary: 'Health',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: HealthSchema } } } },
});

const round = (value: number) => Math.round(value * 10) / 10;

export function healthRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const { models } = await registry.index();
      const startup = Object.fromEntries(
        Object.entries(registry.runtime.startup()).map(([name, value]) => [name, round(value)]),
      );
      const sessions = registry.sessionTimings().map((t) => ({
        session: t.session,
        readMs: round(t.readMs),
        sha256Ms: round(t.sha256Ms),
        createMs: round(t.createMs),
      }));
      return c.json(
        {
          status: 'ok' as const,
          backend: registry.backend,
          models: models.length,
          startup,
          sessions,
          references: registry.references.usage(),
        },
        200,
      );
    })
    .all(route.path, methodNotAllowed(['GET']));
}

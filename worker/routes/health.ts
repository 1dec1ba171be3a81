// GET /healthz: is the worker up, which backend really runs the models, how many models it serves, what
// this isolate's cold start cost so far (each session's creation; ORT's wasm instantiation), and its
// memory: ORT's WebAssembly heap against the memory budget (worker/serving/memory-budget.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import type { ModelRegistry } from '../serving/model-registry';

const ms = (description: string) => z.number().openapi({ description: `${description}, in ms` });
const bytes = (description: string) =>
  z
    .number()
    .int()
    .openapi({ description: `${description}, in bytes` });

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
          chargedBytes: bytes('What the memory budget counts for it: twice its graph, plus 256 KiB'),
          heapGrowthBytes: bytes(
            "How much ORT's WebAssembly heap grew across its creation (0: it fit in memory ORT had free)",
          ).nullable(),
        }),
      )
      .openapi({
        description:
          'The sessions open now (created lazily, on first use), least recently used first; the ones released to make room are gone',
      }),
    memory: z
      .object({
        budgetBytes: bytes('ORT_MEMORY_BUDGET_MIB: what ORT may hold, heap included'),
        reservedBytes: bytes("Of the budget, kept for ORT's own heap and for running a batch"),
        chargedBytes: bytes('The charges of the open sessions; kept within budget − reserved'),
        wasmHeapBytes: bytes(
          "ORT's WebAssembly memory now; it never shrinks, memory freed by released sessions is reused (null for onnxruntime-node)",
        ).nullable(),
        evictions: z.number().int().openapi({ description: 'Model versions released to make room so far' }),
        references: z
          .object({
            budgetBytes: bytes('Of the budget, the share for reference indexes, images and labels'),
            chargedBytes: bytes('What they hold now (everything below); kept within that share'),
            evictions: z.number().int().openapi({ description: 'Indexes and files released to make room' }),
            indexes: z.array(z.object({ model: z.string(), bytes: z.number().int() })).openapi({
              description:
                'Reference indexes opened for /v1/neighbors (int8 rows, their lengths, labels), by name@version',
            }),
            files: z
              .array(z.object({ file: z.string(), sha256: z.string(), bytes: z.number().int() }))
              .openapi({
                description:
                  'Reference images (gunzipped) and labels read for /v1/models/:name/reference/:index',
              }),
          })
          .openapi({ description: 'What the reference data of /v1/neighbors holds (JavaScript memory)' }),
      })
      .openapi({
        description:
          'ORT\'s memory and the reference data against the budget (README, "Memory"): wasmHeapBytes + references.chargedBytes ≤ budgetBytes',
      }),
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
      const sessions = registry.sessions().map((t) => ({
        session: t.session,
        readMs: round(t.readMs),
        sha256Ms: round(t.sha256Ms),
        createMs: round(t.createMs),
        chargedBytes: t.chargedBytes,
        heapGrowthBytes: t.heapGrowthBytes ?? null,
      }));
      const { wasmHeapBytes, ...memory } = registry.memory();
      return c.json(
        {
          status: 'ok' as const,
          backend: registry.backend,
          models: models.length,
          startup,
          sessions,
          memory: { ...memory, wasmHeapBytes: wasmHeapBytes ?? null },
        },
        200,
      );
    })
    .all(route.path, methodNotAllowed(['GET']));
}

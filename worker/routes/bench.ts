// In-runtime micro-benchmarks for `npm run bench:serve` (scripts/bench-serve.ts): ORT's own costs
// without HTTP or JSON, measured inside whichever runtime serves the app (workerd or plain Node).
// Off unless the PRETEXT_BENCH binding is "1" (`wrangler dev --var PRETEXT_BENCH:1`); off, every
// /__bench route is the ordinary 404. Not in /openapi.json and not in the typed client's App type.
//
// GET  /__bench/run?model=&n=&iters=&dtype=   session.run of the model's graph (fp32 or its q8 variant)
//                                      on n images, iters times
// POST /__bench/session?level=&n=      body: ONNX (or ORT-format) bytes; creates a session with that
//                                      graph optimisation level and times its creation and first runs
// POST /__bench/decode?iters=          body: an image request's JSON; times decoding and validating it,
//                                      the ordinary way (JSON.parse + zod) and with the fast path
import { Hono } from 'hono';
import { IMAGE_PIXELS } from '../contract/image';
import { DTYPES, type Dtype } from '../contract/manifest';
import { ApiError, invalidInput } from '../http/api-error';
import { onNotFound } from '../http/error-handler';
import { parseImageBatchJson } from '../http/image-batch-json';
import type { GraphOptimizationLevel } from '../runtime/model-runtime';
import type { Float32Tensor, ModelSession } from '../runtime/model-session';
import { ImageBatchRequestSchema } from '../schemas/requests';
import type { ModelRegistry } from '../serving/model-registry';

const LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
const MAX_ITERS = 2000;

export function benchEnabled(env: unknown): boolean {
  return (env as { PRETEXT_BENCH?: unknown } | undefined)?.PRETEXT_BENCH === '1';
}

export function benchRoutes(registry: ModelRegistry) {
  return new Hono()
    .use('/__bench/*', async (c, next) => (benchEnabled(c.env) ? next() : onNotFound(c)))
    .get('/__bench/run', async (c) => {
      const n = intParam(c.req.query('n'), 'n', 1, 256, 1);
      const iters = intParam(c.req.query('iters'), 'iters', 1, MAX_ITERS, 200);
      const name = c.req.query('model');
      if (name === undefined) throw invalidInput([{ path: 'query.model', message: 'is required' }]);
      const dtype = c.req.query('dtype') ?? 'fp32';
      if (!isDtype(dtype))
        throw invalidInput([{ path: 'query.dtype', message: `must be one of ${DTYPES.join(', ')}` }]);
      const { tasks } = await registry.manifest(name);
      // Any task's main graph (generate alone would also work: forTask loads the main graph, not the decoder).
      const { manifest, session } = await registry.forTask(
        tasks.find((t) => t !== 'generate') ?? tasks[0]!,
        name,
        dtype,
      );
      const times = await timeRuns(session, manifest.input.name, n, iters);
      return c.json({
        model: manifest.name,
        dtype,
        backend: registry.backend,
        n,
        iters,
        ...summarise(times),
      });
    })
    .post('/__bench/decode', async (c) => {
      const iters = intParam(c.req.query('iters'), 'iters', 1, MAX_ITERS, 20);
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const time = (decode: () => unknown) => {
        for (let i = 0; i < 5; i++) ImageBatchRequestSchema.safeParse(decode()); // JIT warm-up
        const times: number[] = [];
        for (let i = 0; i < iters; i++) {
          const started = performance.now();
          const result = ImageBatchRequestSchema.safeParse(decode());
          times.push(performance.now() - started);
          if (!result.success)
            throw invalidInput([{ path: 'body', message: 'is not a valid image request' }]);
        }
        return summarise(times);
      };
      const ordinary = time(() => JSON.parse(new TextDecoder().decode(bytes)));
      const fast = time(() => parseImageBatchJson(bytes));
      return c.json({ backend: registry.backend, bytes: bytes.length, iters, ordinary, fast });
    })
    .post('/__bench/session', async (c) => {
      const level = c.req.query('level') ?? 'all';
      if (!LEVELS.includes(level as GraphOptimizationLevel)) {
        throw invalidInput([{ path: 'query.level', message: `must be one of ${LEVELS.join(', ')}` }]);
      }
      const n = intParam(c.req.query('n'), 'n', 1, 256, 1);
      const bytes = await c.req.arrayBuffer();
      const started = performance.now();
      const session = await registry.runtime
        .createSession(bytes, { graphOptimizationLevel: level as GraphOptimizationLevel })
        .catch((error: unknown) => {
          throw new ApiError(400, 'invalid_input', `cannot create a session: ${String(error)}`);
        });
      const createMs = performance.now() - started;
      const [input = 'x'] = session.inputNames;
      const first = await timeRuns(session, input, n, 1);
      const warm = await timeRuns(session, input, n, 100);
      return c.json({
        backend: registry.backend,
        level,
        createMs,
        firstRunMs: first[0],
        ...summarise(warm),
      });
    });
}

async function timeRuns(session: ModelSession, input: string, n: number, iters: number): Promise<number[]> {
  const data = Float32Array.from({ length: n * IMAGE_PIXELS }, (_, i) => (i % 97) / 97);
  const feeds: Record<string, Float32Tensor> = { [input]: { data, dims: [n, IMAGE_PIXELS] } };
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const started = performance.now();
    await session.run(feeds);
    times.push(performance.now() - started);
  }
  return times;
}

function summarise(times: readonly number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    meanMs: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
  };
}

const isDtype = (value: string): value is Dtype => (DTYPES as readonly string[]).includes(value);

function intParam(raw: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidInput([{ path: `query.${name}`, message: `must be a whole number in [${min}, ${max}]` }]);
  }
  return value;
}

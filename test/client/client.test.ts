// The typed client against the real worker: `wrangler dev` on a free 127.0.0.1 port, the committed
// models, one call per endpoint, and an error. Tasks that no committed model serves yet are skipped,
// and the skip says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startWrangler } from '../../scripts/bench/local-servers';
import { createPretextClient, PretextApiError, type PretextClient } from '../../worker/client';
import type { Task } from '../../worker/contract/manifest';
import digits from '../worker/fixtures/digits.json';

const images = digits.digits.slice(0, 3).map((digit) => digit.pixels);

let server: LocalServer;
let pretext: PretextClient;
/** The committed models the worker bundles and serves, with their tasks (from GET /v1/models). */
let served: { name: string; tasks: readonly Task[]; variants?: { q8?: unknown } }[] = [];

beforeAll(async () => {
  server = await startWrangler();
  pretext = createPretextClient({ baseUrl: server.url });
  served = await pretext.models();
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

/** One test per task with the first model that serves it; skipped, saying why, when none does yet. */
function forTask(task: Task, run: (model: string) => Promise<void>): void {
  it(`${task}() answers with its typed result`, async (context) => {
    const model = served.find((manifest) => manifest.tasks.includes(task))?.name;
    if (model === undefined) return context.skip(`no committed model serves "${task}" yet`);
    await run(model);
  });
}

describe('the typed client against wrangler dev', () => {
  it('health() says which backend runs the models', async () => {
    expect(await pretext.health()).toMatchObject({ status: 'ok', backend: 'wasm' });
  });

  it('models() lists the committed models, and model() one of them', async () => {
    expect(served.length).toBeGreaterThan(0);
    const [first] = served;
    expect(await pretext.model(first!.name)).toEqual(first);
  });

  forTask('embed', async (model) => {
    const answer = await pretext.embed(images, { model });
    expect(answer.model).toBe(model);
    expect(answer.embeddings).toHaveLength(3);
    expect(answer.embeddings[0]).toHaveLength(answer.dims);
  });

  it("embed() with dtype 'q8' answers from a model's int8 variant, typed as such", async (context) => {
    const model = served.find((m) => m.tasks.includes('embed') && m.variants?.q8 !== undefined)?.name;
    if (model === undefined) return context.skip('no committed model has an int8 variant yet');
    const answer = await pretext.embed(images, { model, dtype: 'q8' });
    const dtype: 'fp32' | 'q8' = answer.dtype;
    expect([answer.model, dtype]).toEqual([model, 'q8']);
    const error = await pretext.embed(images, { model, dtype: 'q4' as 'q8' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', issues: [{ path: 'dtype' }] });
  });

  forTask('reconstruct', async (model) => {
    const answer = await pretext.reconstruct([Float32Array.from(images[0]!)], { model });
    expect(answer.images[0]).toHaveLength(784);
    expect(answer.mse[0]).toBeGreaterThanOrEqual(0);
  });

  forTask('denoise', async (model) => {
    expect((await pretext.denoise(images, { model })).images).toHaveLength(3);
  });

  forTask('cluster', async (model) => {
    const answer = await pretext.cluster(images, { model });
    expect(answer.clusters).toHaveLength(3);
    expect(answer.distances[0]!.length).toBeGreaterThan(answer.clusters[0]!);
  });

  forTask('rotation', async (model) => {
    const [prediction] = (await pretext.rotation(images, { model })).predictions;
    expect([0, 90, 180, 270]).toContain(prediction!.angle);
  });

  forTask('jigsaw', async (model) => {
    const [prediction] = (await pretext.jigsaw(images, { model })).predictions;
    expect(prediction!.permutation).toHaveLength(4);
  });

  forTask('generate', async (model) => {
    const first = await pretext.generate(2, { model, seed: 7 });
    expect(first.images).toHaveLength(2);
    expect((await pretext.generate(2, { model, seed: 7 })).images).toEqual(first.images);
  });

  forTask('classify', async (model) => {
    const [prediction] = (await pretext.classify(images, { model })).predictions;
    expect(prediction!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  forTask('fill-mask', async (model) => {
    const answer = await pretext.fillMask('i am going to [MASK]', { model, top: 3 });
    expect(answer.predictions[0]!.words).toHaveLength(3);
    expect(answer.filled).not.toContain('[MASK]');
  });

  forTask('unshuffle', async (model) => {
    const answer = await pretext.unshuffle('school to going am i', { model });
    expect([...answer.order].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  forTask('text-embed', async (model) => {
    const answer = await pretext.textEmbed(['a sentence', 'another one'], { model });
    expect(answer.embeddings).toHaveLength(2);
    expect(answer.embeddings[0]).toHaveLength(answer.dims);
  });

  forTask('neighbors', async (model) => {
    const answer = await pretext.neighbors(images, { model, k: 4 });
    expect(answer.neighbors.map((found) => found.length)).toEqual([4, 4, 4]);
    const [nearest] = answer.neighbors[0]!;
    const item = await pretext.referenceItem(model, nearest!.index);
    expect(item).toMatchObject({ model, index: nearest!.index, label: nearest!.label });
    expect(item.image).toHaveLength(784);
    const error = await pretext.neighbors(images, { model, k: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', message: 'k must be at least 1' });
    // The dtype option reaches /v1/neighbors as it reaches the other image endpoints, typed in the answer.
    const q8 = await pretext.neighbors(images, { model, k: 1, dtype: 'q8' });
    const dtype: 'fp32' | 'q8' = q8.dtype;
    expect(dtype).toBe('q8');
  });

  it('throws one PretextApiError with the status, code and message of the error body', async () => {
    const error = await pretext.embed(images, { model: 'no-such-model' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PretextApiError);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', issues: undefined });
    expect((error as PretextApiError).message).toMatch(/^Unknown model "no-such-model"\. Known models: /);
  });

  it('carries the issues of a 400, each with where and what', async () => {
    const error = await pretext.embed([[0.5, 2]]).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'invalid_input' });
    expect((error as PretextApiError).issues?.[0]?.path).toMatch(/^images\[0\]/);
  });
});

describe('the deployed layout under wrangler dev', () => {
  it('keeps the models’ graphs out of the public static assets: only the API serves them', async () => {
    const [first] = served;
    const graph = (await pretext.model(first!.name)).onnx;
    const direct = await fetch(`${server.url}/_models/${first!.name}/${graph.file}`);
    expect(direct.status).toBe(404);
    await direct.body?.cancel();
    const viaApi = await fetch(`${server.url}/v1/models/${first!.name}/${graph.file}`);
    expect(viaApi.status).toBe(200);
    expect((await viaApi.arrayBuffer()).byteLength).toBe(graph.bytes);
  });
});

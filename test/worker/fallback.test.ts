// A new version that cannot be opened never takes over (README, "Retrain and redeploy"): each version
// below is self-consistent (every sha256 right, so the admin API puts it live), but fails a model's own
// check when the registry opens it. The version served before keeps answering, one log line says why, and
// an isolate that never served the good version answers 503 for this model only. Sessions of versions
// two swaps old are released.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManifestSchema } from '../../worker/contract/manifest';
import type { ModelRuntime } from '../../worker/runtime/model-runtime';
import type { ModelSession } from '../../worker/runtime/model-session';
import { wasmRuntime } from '../../worker/runtime/ort';
import type { BucketLayout } from '../../worker/store/r2-layout';
import fixtureManifest from './fixtures/text/fixture-text/manifest.json';
import fixtureOnnx from './fixtures/text/fixture-text/model.onnx';
import fixtureVocab from './fixtures/text/fixture-text/vocab.json';
import { freshLayout, type Isolate, isolate, moveCurrent, publishVersion, sha256Of } from './r2-support';
import { bundledGraph, bundledManifest, digits, graphOnly, statusAndBody } from './support';

const images = [digits.digits[0]!.pixels];
const graphs = {
  vae: await bundledGraph('fmnist-vae'),
  vaeGenerator: await bundledGraph('fmnist-vae', 'generator.onnx'),
  rotnet: await bundledGraph('fmnist-rotnet'),
  ae: await bundledGraph('mnist-mlp-ae'),
};
let layout: BucketLayout;

beforeEach(() => {
  layout = freshLayout();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the app answers, and the version that answered it (or the error code). */
async function answeredBy(app: Isolate, path: string, body: unknown): Promise<string> {
  const { status, body: answer } = await statusAndBody(await app.post(path, body));
  const a = answer as { version?: string; error?: { code: string } };
  return status === 200 ? `200 ${a.version}` : `${status} ${a.error?.code}`;
}

/** The "stays on version" lines logged while `run` runs. */
async function fallbackLines(run: () => Promise<void>): Promise<string[]> {
  const log = vi.spyOn(console, 'error').mockImplementation(() => {});
  await run();
  const lines = log.mock.calls
    .map(([line]) => String(line))
    .filter((line) => line.includes('stays on version'));
  log.mockRestore();
  return lines;
}

describe('a bad vocabulary over a good text model', () => {
  const good = ManifestSchema.parse({ ...fixtureManifest, version: '1.0.0' });
  const vocab = JSON.stringify(fixtureVocab);
  const embed = { model: good.name, texts: ['a book'] };

  it('leaves the good version answering, with one log line naming the problem', async () => {
    const app = isolate({ layout });
    expect((await publishVersion(app, good, { 'model.onnx': fixtureOnnx, 'vocab.json': vocab })).status).toBe(
      200,
    );
    expect(await answeredBy(app, '/v1/text/embed', embed)).toBe('200 1.0.0');

    // [PAD] and [UNK] swapped: the file is what its manifest hashes, but not a vocabulary of the contract.
    const swapped = JSON.stringify(['[UNK]', '[PAD]', ...fixtureVocab.slice(2)]);
    if (good.input.layout !== 'token-ids') throw new Error('the fixture is a text model');
    const bad = {
      ...good,
      version: '2.0.0',
      input: { ...good.input, tokenizer: { ...good.input.tokenizer, sha256: await sha256Of(swapped) } },
    };
    expect(
      (await publishVersion(app, bad, { 'model.onnx': fixtureOnnx, 'vocab.json': swapped })).status,
    ).toBe(200);
    const lines = await fallbackLines(async () => {
      expect(await answeredBy(app, '/v1/text/embed', embed)).toBe('200 1.0.0');
      expect(await answeredBy(app, '/v1/text/fill-mask', { text: 'i am going to [MASK]' })).toBe('200 1.0.0');
    });
    expect(lines).toEqual([
      'Model "fixture-text" stays on version 1.0.0: Model "fixture-text" is unavailable: vocab.json: vocabulary[0] must be [PAD], got "[UNK]"',
    ]);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await answeredBy(isolate({ layout }), '/v1/text/embed', embed)).toBe('503 model_unavailable');
  });
});

describe('a broken generator graph over a good VAE', () => {
  const NAME = 'fmnist-vae';
  const good = { ...graphOnly(bundledManifest(NAME)), version: '1.0.0' };
  const { vae: model, vaeGenerator: generator } = graphs;

  it('leaves the good version generating and embedding, with one log line', async () => {
    const app = isolate({ layout });
    await publishVersion(app, good, { 'model.onnx': model, 'generator.onnx': generator });
    expect(await answeredBy(app, '/v1/generate', { model: NAME, count: 1, seed: 3 })).toBe('200 1.0.0');

    // Cut short, as an interrupted export would leave it: its sha256 is right, ORT cannot load it.
    const truncated = generator.slice(0, 4096);
    const bad = {
      ...good,
      version: '2.0.0',
      generator: { ...good.generator!, sha256: await sha256Of(truncated), bytes: truncated.byteLength },
    };
    expect(
      (await publishVersion(app, bad, { 'model.onnx': model, 'generator.onnx': truncated })).status,
    ).toBe(200);
    const lines = await fallbackLines(async () => {
      expect(await answeredBy(app, '/v1/generate', { model: NAME, count: 1, seed: 3 })).toBe('200 1.0.0');
      expect(await answeredBy(app, '/v1/embed', { model: NAME, images })).toBe('200 1.0.0');
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Model "fmnist-vae" stays on version 1\.0\.0: Model "fmnist-vae" is unavailable: onnxruntime cannot load generator\.onnx: /,
    );
  });
});

describe('a graph whose outputs do not match its manifest, over a good rotation model', () => {
  const NAME = 'fmnist-rotnet';
  const good = { ...graphOnly(bundledManifest(NAME)), version: '1.0.0' };
  const model = graphs.rotnet;

  it('leaves the good version answering, with one log line naming the output', async () => {
    const app = isolate({ layout });
    await publishVersion(app, good, { 'model.onnx': model });
    expect(await answeredBy(app, '/v1/rotation', { model: NAME, images })).toBe('200 1.0.0');

    // The rotation probabilities read from the graph's 128-wide embedding.
    const bad = {
      ...good,
      version: '2.0.0',
      outputs: { ...good.outputs, rotationProbabilities: { name: 'embedding', shape: [4] } },
    };
    expect((await publishVersion(app, bad, { 'model.onnx': model })).status).toBe(200);
    const lines = await fallbackLines(async () => {
      expect(await answeredBy(app, '/v1/rotation', { model: NAME, images })).toBe('200 1.0.0');
      expect(await answeredBy(app, '/v1/embed', { model: NAME, images })).toBe('200 1.0.0');
    });
    expect(lines).toEqual([
      'Model "fmnist-rotnet" stays on version 1.0.0: Model "fmnist-rotnet" is unavailable: its graph\'s output "embedding" (role "rotationProbabilities") has shape [128], but its manifest says [4]',
    ]);
  });
});

/** The wasm runtime, recording each session it creates and each release, in creation order. */
function recordingRuntime(): { runtime: ModelRuntime; created: ModelSession[]; released: number[] } {
  const base = wasmRuntime();
  const created: ModelSession[] = [];
  const released: number[] = [];
  const runtime: ModelRuntime = {
    backend: base.backend,
    startup: () => base.startup(),
    warmUp: () => base.warmUp(),
    createSession: async (bytes, options) => {
      const session = await base.createSession(bytes, options);
      const index = created.push(session) - 1;
      const release = session.release.bind(session);
      session.release = () => {
        released.push(index);
        return release();
      };
      return session;
    },
  };
  return { runtime, created, released };
}

describe('hot swaps', () => {
  const NAME = 'mnist-mlp-ae';
  const manifest = (version: string) => ({ ...graphOnly(bundledManifest(NAME)), version });

  it('release the sessions of versions two swaps old, keep the previous one for an instant rollback', async () => {
    const { runtime, created, released } = recordingRuntime();
    const app = isolate({ layout, runtime });
    const model = graphs.ae;
    for (const version of ['1.0.0', '2.0.0']) {
      await publishVersion(app, manifest(version), { 'model.onnx': model });
      expect(await answeredBy(app, '/v1/embed', { model: NAME, images })).toBe(`200 ${version}`);
    }
    expect([created.length, released]).toEqual([2, []]);

    await publishVersion(app, manifest('3.0.0'), { 'model.onnx': model });
    expect(await answeredBy(app, '/v1/embed', { model: NAME, images })).toBe('200 3.0.0');
    // 1.0.0's session, and only it, once the runs queued on it are done (a task later).
    await expect.poll(() => [created.length, released]).toEqual([3, [0]]);

    // Back to 2.0.0, still open: no new session, and nothing more released.
    expect((await moveCurrent(app, NAME, '2.0.0')).status).toBe(200);
    expect(await answeredBy(app, '/v1/embed', { model: NAME, images })).toBe('200 2.0.0');
    expect([created.length, released]).toEqual([3, [0]]);
  });
});

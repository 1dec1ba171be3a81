// The text endpoints inside workerd: /v1/text/fill-mask, /v1/text/unshuffle, /v1/text/embed, on the
// fixture model of ./text-support.ts, so the answers are known without the fortunes package; the bundled
// text model gets the lecture's sentence too (last block). Invalid text: ./text-errors.test.ts.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { index, jsonInit, maxAbsDifference, statusAndBody, titled } from './support';
import {
  app,
  appWith,
  FIXTURE,
  fixture,
  fixtureManifest,
  fixtureOnnx,
  fixtureVocab,
  IMAGE_MODEL,
  post,
  textIndex,
} from './text-support';

interface FillMaskAnswer {
  model: string;
  words: string[];
  unknown: string[];
  predictions: { position: number; words: { word: string; probability: number }[] }[];
  filled: string;
}

describe('POST /v1/text/fill-mask', () => {
  it('fills the lecture sentence "I am going to [MASK]" with "school"', async () => {
    const { status, body } = await post('/v1/text/fill-mask', { text: 'I am going to [MASK]' });
    expect(status).toBe(200);
    const answer = body as FillMaskAnswer;
    expect(answer).toMatchObject({
      model: FIXTURE,
      version: '0.0.1',
      words: ['i', 'am', 'going', 'to', '[MASK]'],
      unknown: [],
      filled: 'i am going to school',
    });
    expect(answer.predictions).toHaveLength(1);
    const [prediction] = answer.predictions;
    expect(prediction!.position).toBe(4);
    expect(prediction!.words).toHaveLength(5);
    expect(prediction!.words[0]!.word).toBe('school');
    const probabilities = prediction!.words.map((w) => w.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
    for (const w of prediction!.words) expect(['[PAD]', '[UNK]', '[MASK]']).not.toContain(w.word);
  });

  it('reads case, punctuation and a lowercase [mask] the way the tokenizer does', async () => {
    const plain = await post('/v1/text/fill-mask', { text: 'I am going to [MASK]' });
    const shouted = await post('/v1/text/fill-mask', { text: '  I AM going to… [mask]?!  ' });
    expect(shouted).toEqual(plain);
  });

  it('returns `top` candidates for each [MASK] and names unknown words', async () => {
    const { status, body } = await post('/v1/text/fill-mask', {
      text: 'the zebra [MASK] on the [MASK]',
      top: 3,
    });
    expect(status).toBe(200);
    const answer = body as FillMaskAnswer;
    expect(answer.unknown).toEqual(['zebra']);
    expect(answer.predictions.map((p) => p.position)).toEqual([2, 5]);
    for (const p of answer.predictions) expect(p.words).toHaveLength(3);
  });
});

describe('POST /v1/text/unshuffle', () => {
  it('puts "school to going am I" back in order', async () => {
    const { status, body } = await post('/v1/text/unshuffle', { text: 'school to going am I' });
    expect(status).toBe(200);
    expect(body).toEqual({
      model: FIXTURE,
      version: '0.0.1',
      words: ['school', 'to', 'going', 'am', 'i'],
      unknown: [],
      order: [4, 3, 2, 1, 0],
      text: 'i am going to school',
    });
  });

  it('gives the same order whatever order the words arrive in (the model never sees it)', async () => {
    const a = (await post('/v1/text/unshuffle', { text: 'the on mat sat cat the' })).body as { text: string };
    const b = (await post('/v1/text/unshuffle', { text: 'cat the sat the mat on' })).body as { text: string };
    expect(a.text).toBe(b.text);
    expect(a.text.split(' ').sort()).toEqual(['cat', 'mat', 'on', 'sat', 'the', 'the']);
  });
});

describe('POST /v1/text/embed', () => {
  it('embeds each text; texts the tokenizer reads alike get the same vector', async () => {
    const texts = ['I am going to school.', 'i am going to SCHOOL', 'The cat sat on the mat.'];
    const { status, body } = await post('/v1/text/embed', { texts });
    expect(status).toBe(200);
    const answer = body as { model: string; dims: number; embeddings: number[][] };
    expect(answer).toMatchObject({ model: FIXTURE, dims: 16 });
    expect(answer.embeddings).toHaveLength(3);
    for (const e of answer.embeddings) {
      expect(e).toHaveLength(16);
      expect(e.every(Number.isFinite)).toBe(true);
    }
    expect(answer.embeddings[1]).toEqual(answer.embeddings[0]);
    expect(answer.embeddings[2]).not.toEqual(answer.embeddings[0]);
  });

  it('gives a text the same embedding alone as in a batch (padding is masked out)', async () => {
    const texts = ['a good book', 'we are going home now', 'the dog sleeps on the mat'];
    const batch = (await post('/v1/text/embed', { texts })).body as { embeddings: number[][] };
    const alone = (await post('/v1/text/embed', { texts: [texts[1]] })).body as { embeddings: number[][] };
    expect(maxAbsDifference(alone.embeddings[0]!, batch.embeddings[1]!)).toBeLessThan(1e-5);
  });
});

describe('text endpoints and the rest of the API', () => {
  it('refuses a body over the limit with 413 before reading it', async () => {
    const huge = JSON.stringify({ texts: Array.from({ length: 1 }, () => 'a'.repeat(9 * 1024 * 1024)) });
    expect(await post('/v1/text/embed', huge)).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "payload_too_large",
            "message": "Request body is larger than 8388608 bytes (8 MiB)",
          },
        },
        "status": 413,
      }
    `);
  });

  it('answers 415 for a non-JSON body and 405 for GET', async () => {
    const plain = await app.request('/v1/text/unshuffle', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'school to going am i',
    });
    expect(await statusAndBody(plain)).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "unsupported_media_type",
            "message": "Content-Type must be application/json, got "text/plain"",
          },
        },
        "status": 415,
      }
    `);
    expect((await app.request('/v1/text/fill-mask')).status).toBe(405);
  });

  it('keeps text models and image models to their own endpoints', async () => {
    expect(await post('/v1/text/fill-mask', { model: IMAGE_MODEL, text: 'a [MASK]' })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "unsupported_task",
            "message": "Model "mnist-mlp-ae" cannot fill-mask; models that can: fixture-text",
          },
        },
        "status": 400,
      }
    `);
    const images = [Array.from({ length: 784 }, () => 0.5)];
    expect((await post('/v1/embed', { model: FIXTURE, images })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "unsupported_task",
          "message": "Model "fixture-text" cannot embed; models that can: mnist-mlp-ae",
        },
      }
    `);
    expect((await post('/v1/text/embed', { model: 'nope', texts: ['a'] })).status).toBe(404);
  });

  it('makes a model whose vocab.json does not match its manifest unavailable (503)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const swapped = [...fixtureVocab];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    const broken = appWith({ [FIXTURE]: { ...fixture, vocab: swapped } }, textIndex.defaults);
    const result = await statusAndBody(
      await broken.request('/v1/text/embed', jsonInit({ texts: ['a book'] })),
    );
    expect(result.status).toBe(503);
    expect((result.body as { error: { message: string } }).error.message).toMatch(
      /^Model "fixture-text" is unavailable: the sha256 of vocab\.json is [0-9a-f]{64}, but its manifest says [0-9a-f]{64}$/,
    );
    const missing = appWith(
      { [FIXTURE]: { manifest: fixtureManifest, files: { 'model.onnx': fixtureOnnx } } },
      textIndex.defaults,
    );
    expect(
      (await statusAndBody(await missing.request('/v1/text/embed', jsonInit({ texts: ['a book'] })))).body,
    ).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "model_unavailable",
          "message": "Model "fixture-text" is unavailable: vocab.json is not bundled",
        },
      }
    `);
    vi.restoreAllMocks();
  });
});

describe('any text at all', () => {
  // Words the fixture knows, [MASK]s, punctuation, controls, surrogates and arbitrary Unicode, mixed.
  const piece = fc.oneof(
    fc.constantFrom('i', 'am', 'going', 'to', 'school', 'the', 'cat', '[MASK]', '[mask]', ' ', '.', '—'),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom('\u0000', '\u0007', '\ud800', '\u0301', '\t'),
  );
  const text = fc.array(piece, { maxLength: 14 }).map((parts) => parts.join(' '));

  const top = fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 60 }), fc.anything());
  const bodyFor = (path: string, t: string, k: unknown) =>
    path === '/v1/text/embed'
      ? { texts: [t, t] }
      : path === '/v1/text/fill-mask'
        ? { text: t, top: k }
        : { text: t };

  it('is answered with 200 or a 400 in the one error shape, never a 5xx (seeded, 100 runs a route)', async () => {
    for (const path of ['/v1/text/fill-mask', '/v1/text/unshuffle', '/v1/text/embed']) {
      await fc.assert(
        fc.asyncProperty(text, top, async (t, k) => {
          const { status, body } = await post(path, bodyFor(path, t, k));
          expect([200, 400]).toContain(status);
          if (status === 400) {
            expect(body).toMatchObject({ error: { code: 'invalid_input', message: expect.any(String) } });
          }
        }),
        { seed: 10, numRuns: 100 },
      );
    }
  });
});

describe('GET /openapi.json', () => {
  it('documents the three text endpoints and their JSON request bodies', async () => {
    const document = await (await app.request('/openapi.json')).json<{
      paths: Record<string, { post?: { requestBody?: { required?: boolean } } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    }>();
    for (const path of ['/v1/text/fill-mask', '/v1/text/unshuffle', '/v1/text/embed']) {
      expect(document.paths[path]?.post?.requestBody?.required, path).toBe(true);
    }
    const fillMask = document.components.schemas['FillMaskRequest']!;
    expect(Object.keys(fillMask.properties!)).toEqual(['model', 'text', 'top']);
    expect(fillMask.required).toEqual(['text']);
    expect(document.components.schemas['TextEmbedRequest']!.required).toEqual(['texts']);
  });
});

const noTextModel =
  index.defaults['fill-mask'] === undefined ? 'models/index.json has no default text model' : undefined;
describe.skipIf(noTextModel !== undefined)(
  titled('the bundled text model (models/index.json)', noTextModel),
  () => {
    const BASE = 'http://pretext.test';
    const fetchApi = (path: string, body: unknown) => exports.default.fetch(`${BASE}${path}`, jsonInit(body));

    it('ranks words for "I am going to [MASK]"', async () => {
      const response = await fetchApi('/v1/text/fill-mask', { text: 'I am going to [MASK]' });
      expect(response.status).toBe(200);
      const answer = await response.json<FillMaskAnswer>();
      expect(answer.model).toBe(index.defaults['fill-mask']);
      expect(answer.predictions[0]!.words).toHaveLength(5);
    });

    it('orders the words of "school to going am I" and embeds the sentence', async () => {
      const unshuffled = await fetchApi('/v1/text/unshuffle', { text: 'school to going am I' });
      expect(unshuffled.status).toBe(200);
      const { order } = await unshuffled.json<{ order: number[] }>();
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
      const embedded = await fetchApi('/v1/text/embed', { texts: ['I am going to school'] });
      expect(embedded.status).toBe(200);
    });
  },
);

// The JSON fast path for image batches (worker/http/image-batch-json.ts) gives exactly what JSON.parse and
// the zod schema give, bit for bit, for every body in the common form it takes, and declines everything
// else, which then gets the ordinary path and its error messages. Properties with a fixed seed.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImageBatchJson } from '../../worker/http/image-batch-json';
import { ImageBatchRequestSchema } from '../../worker/schemas/requests';
import { jsonInit, statusAndBody } from './support';

const encode = (text: string) => new TextEncoder().encode(text);
/** What the ordinary path makes of a body: JSON.parse, then the schema. */
const ordinary = (text: string) => ImageBatchRequestSchema.parse(JSON.parse(text));

const bits = (images: readonly Float32Array[]) =>
  images.map((image) => Array.from(new Uint32Array(image.buffer, image.byteOffset, image.length)));

/** Pixels as clients write them: doubles in full, float32s widened, short decimals, 0 and 1. */
const pixelText = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.float({ min: 0, max: 1, noNaN: true }).map((v) => JSON.stringify(v)),
  fc
    .tuple(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 1, max: 21 }))
    .map(([n, digits]) => `0.${String(n).padStart(digits, '0').slice(0, digits)}`),
  fc.constantFrom('0', '1', '0.0', '1.0', '1.000', '0.5', '0.50196078431372548', '0.99999999999999999'),
  fc.constantFrom('5e-7', '1E-3', '2.5e-1', '1e0', '0e5', '1e+0', '1.5e-20', '9.99e-45', '5e-324'),
);
const space = fc.constantFrom('', ' ', '\n', '\t ', ' \r\n');
const imageText = fc
  .tuple(fc.array(pixelText, { minLength: 784, maxLength: 784 }), space)
  .map(([pixels, s]) => `[${s}${pixels.join(`,${s}`)}${s}]`);
const bodyText = fc
  .record({
    images: fc.array(imageText, { minLength: 1, maxLength: 3 }),
    model: fc.option(fc.constantFrom('mnist-mlp-ae', 'fmnist-rotnet', 'x')),
    dtype: fc.option(fc.constantFrom('fp32', 'q8')),
    space,
    imagesFirst: fc.boolean(),
  })
  .map(({ images, model, dtype, space: s, imagesFirst }) => {
    const fields = [
      ...(model === null ? [] : [`"model"${s}:${s}"${model}"`]),
      ...(dtype === null ? [] : [`"dtype":"${dtype}"`]),
    ];
    const imagesField = `"images":${s}[${images.join(`,${s}`)}]`;
    const all = imagesFirst ? [imagesField, ...fields] : [...fields, imagesField];
    return `${s}{${s}${all.join(`,${s}`)}${s}}${s}`;
  });

describe('parseImageBatchJson', () => {
  it('takes every body in the common form, and reads exactly the float32s the ordinary path reads', () => {
    // Exponents too: JSON.stringify writes doubles below 1e-6 so, and the generator makes some.
    fc.assert(
      fc.property(bodyText, (text) => {
        const fast = parseImageBatchJson(encode(text));
        expect(fast).toBeDefined();
        const expected = ordinary(text);
        const parsed = ImageBatchRequestSchema.parse(fast);
        expect(bits(parsed.images)).toEqual(bits(expected.images));
        expect([parsed.model, parsed.dtype]).toEqual([expected.model, expected.dtype]);
      }),
      { seed: 16, numRuns: 60 },
    );
  });

  it('reads numbers at float32 rounding boundaries as the engine does', () => {
    // Doubles next to the midpoint of two float32s: the one place a near-exact conversion could differ.
    const f32 = new Float32Array(2);
    const u32 = new Uint32Array(f32.buffer);
    const texts: string[] = [];
    for (let k = 1; k < 2000; k++) {
      f32[0] = k / 2003;
      u32[1] = u32[0]! + 1;
      const midpoint = (f32[0]! + f32[1]!) / 2;
      for (const ulps of [-2, -1, 0, 1, 2]) texts.push(JSON.stringify(midpoint + ulps * midpoint * 2 ** -53));
    }
    const pixels = texts.slice(0, 784 * 12);
    const images = Array.from(
      { length: 12 },
      (_, i) => `[${pixels.slice(i * 784, (i + 1) * 784).join(',')}]`,
    );
    const text = `{"images":[${images.join(',')}]}`;
    expect(bits(ImageBatchRequestSchema.parse(parseImageBatchJson(encode(text))).images)).toEqual(
      bits(ordinary(text).images),
    );
  });

  const image = (pixel = '0.5', count = 784) => `[${Array.from({ length: count }, () => pixel).join(',')}]`;

  it.each([
    ['a base64 image', `{"images":["iVBORw0KGgo="]}`],
    ['a negative pixel', `{"images":[${image('-0.5')}]}`],
    ['negative zero', `{"images":[${image('-0')}]}`],
    ['an exponent above 1', `{"images":[${image('5e1')}]}`],
    ['an exponent without digits', `{"images":[${image('5e-')}]}`],
    ['a pixel above 1', `{"images":[${image('1.5')}]}`],
    ['a leading zero', `{"images":[${image('00.5')}]}`],
    ['a bare dot', `{"images":[${image('0.')}]}`],
    ['783 values', `{"images":[${image('0.5', 783)}]}`],
    ['785 values', `{"images":[${image('0.5', 785)}]}`],
    ['no images', `{"images":[]}`],
    ['an empty object', `{}`],
    ['an unknown key', `{"image":[${image()}]}`],
    ['a repeated key', `{"images":[${image()}],"images":[${image()}]}`],
    ['an escape in the model name', `{"model":"mnist\\u002dae","images":[${image()}]}`],
    ['a model that is not a string', `{"model":5,"images":[${image()}]}`],
    ['a non-ASCII model name', `{"model":"modèle","images":[${image()}]}`],
    ['trailing bytes', `{"images":[${image()}]}x`],
    ['a truncated body', `{"images":[${image()}`],
    ['a 300-digit pixel', `{"images":[${image(`0.${'1'.repeat(300)}`)}]}`],
    ['a 10,000-character model name', `{"model":"${'m'.repeat(10_000)}","images":[${image()}]}`],
  ])('declines %s (the ordinary path answers it)', (_, text) => {
    expect(parseImageBatchJson(encode(text))).toBeUndefined();
  });
});

describe('the image routes with the fast path', () => {
  const post = (body: string) =>
    exports.default.fetch('http://pretext.test/v1/embed', jsonInit(body)).then(statusAndBody);
  const pixels = Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 100);

  it('answer a body the fast path takes as they answer the same images written another way', async () => {
    const common = JSON.stringify({ model: 'mnist-mlp-ae', images: [pixels] });
    // The same request with an escape in the model name, which the fast path leaves to JSON.parse.
    const escaped = `{"images":[[${pixels.join(',')}]],"model":"mnist\\u002dmlp-ae"}`;
    expect(parseImageBatchJson(encode(common))).toBeDefined();
    expect(parseImageBatchJson(encode(escaped))).toBeUndefined();
    const [fast, slow] = [await post(common), await post(escaped)];
    expect(fast.status).toBe(200);
    expect(fast).toEqual(slow);
  });

  it('keep the ordinary path’s error messages for what it declines', async () => {
    const result = await post(`{"images":[[${pixels.slice(0, 783).join(',')}]]}`);
    expect(result).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          message: 'images[0] must have 784 values, got 783',
          issues: [{ path: 'images[0]', message: 'must have 784 values, got 783' }],
        },
      },
    });
  });
});

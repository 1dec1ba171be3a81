// Invalid text on the text endpoints gets a 400 that says which text and why, pinned with inline
// snapshots; the fixture text model of ./text-support.ts answers.
import { describe, expect, it } from 'vitest';
import { post } from './text-support';

describe('invalid text → 400', () => {
  it('rejects an empty or blank text', async () => {
    expect(await post('/v1/text/fill-mask', { text: '' })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must not be empty",
                "path": "text",
              },
            ],
            "message": "text must not be empty",
          },
        },
        "status": 400,
      }
    `);
    expect((await post('/v1/text/unshuffle', { text: ' \n\t ' })).body).toEqual(
      (await post('/v1/text/unshuffle', { text: '' })).body,
    );
  });

  it('rejects a text of punctuation only', async () => {
    expect(await post('/v1/text/embed', { texts: ['fine', '?!… —'] })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "has no words (punctuation and symbols are ignored)",
                "path": "texts[1]",
              },
            ],
            "message": "texts[1] has no words (punctuation and symbols are ignored)",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects a text with more words than the model reads', async () => {
    const text = 'i am going to school and then home [MASK]';
    expect(await post('/v1/text/fill-mask', { text })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "has 9 words, but model "fixture-text" reads at most 8",
                "path": "text",
              },
            ],
            "message": "text has 9 words, but model "fixture-text" reads at most 8",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects a text longer than 1000 characters before reading its words', async () => {
    expect(await post('/v1/text/unshuffle', { text: 'school '.repeat(200) })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must be at most 1000 characters, got 1400",
                "path": "text",
              },
            ],
            "message": "text must be at most 1000 characters, got 1400",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects a text whose words are all unknown to the model', async () => {
    expect(await post('/v1/text/fill-mask', { text: 'Zebras juggle [MASK]' })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "has no word that model "fixture-text" knows (unknown: "zebras", "juggle")",
                "path": "text",
              },
            ],
            "message": "text has no word that model "fixture-text" knows (unknown: "zebras", "juggle")",
          },
        },
        "status": 400,
      }
    `);
  });

  it('rejects control characters and unpaired surrogates, saying where', async () => {
    expect(await post('/v1/text/fill-mask', { text: 'I am\u0007 going to [MASK]' })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_input",
            "issues": [
              {
                "message": "must not contain control characters, found U+0007 at index 4",
                "path": "text",
              },
            ],
            "message": "text must not contain control characters, found U+0007 at index 4",
          },
        },
        "status": 400,
      }
    `);
    const surrogate = await post('/v1/text/embed', { texts: ['school \ud800 home'] });
    expect(surrogate.body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must be valid Unicode, found an unpaired surrogate at index 7",
              "path": "texts[0]",
            },
          ],
          "message": "texts[0] must be valid Unicode, found an unpaired surrogate at index 7",
        },
      }
    `);
  });

  it('needs a [MASK] to fill, and no [MASK] to unshuffle', async () => {
    expect((await post('/v1/text/fill-mask', { text: 'I am going to school' })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must contain [MASK] where the missing word goes",
              "path": "text",
            },
          ],
          "message": "text must contain [MASK] where the missing word goes",
        },
      }
    `);
    expect((await post('/v1/text/fill-mask', { text: '[MASK] [mask]!' })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must contain at least one word besides [MASK]",
              "path": "text",
            },
          ],
          "message": "text must contain at least one word besides [MASK]",
        },
      }
    `);
    expect((await post('/v1/text/embed', { texts: ['a book', '[MASK]'] })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "has no word besides [MASK]",
              "path": "texts[1]",
            },
          ],
          "message": "texts[1] has no word besides [MASK]",
        },
      }
    `);
    expect((await post('/v1/text/unshuffle', { text: 'school [MASK] i' })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must not contain [MASK] (that is for /v1/text/fill-mask)",
              "path": "text",
            },
          ],
          "message": "text must not contain [MASK] (that is for /v1/text/fill-mask)",
        },
      }
    `);
    expect((await post('/v1/text/unshuffle', { text: 'school!' })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must have at least 2 words to order, got 1",
              "path": "text",
            },
          ],
          "message": "text must have at least 2 words to order, got 1",
        },
      }
    `);
  });

  it('names wrong types, missing and unknown fields, and a bad `top`', async () => {
    expect((await post('/v1/text/fill-mask', { text: 5, top: 0, extra: true })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must be a string, got 5",
              "path": "text",
            },
            {
              "message": "must be at least 1",
              "path": "top",
            },
            {
              "message": "is not a known field",
              "path": "extra",
            },
          ],
          "message": "text must be a string, got 5 (and 2 more issues)",
        },
      }
    `);
    expect((await post('/v1/text/fill-mask', { text: 'a [MASK]', top: 1.5 })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must be a whole number, got 1.5",
              "path": "top",
            },
          ],
          "message": "top must be a whole number, got 1.5",
        },
      }
    `);
    expect((await post('/v1/text/unshuffle', {})).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "is required",
              "path": "text",
            },
          ],
          "message": "text is required",
        },
      }
    `);
    expect((await post('/v1/text/embed', { texts: 'one text' })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must be an array of texts, got "one text"",
              "path": "texts",
            },
          ],
          "message": "texts must be an array of texts, got "one text"",
        },
      }
    `);
  });

  it('bounds the number of texts', async () => {
    expect((await post('/v1/text/embed', { texts: [] })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must contain at least 1 text",
              "path": "texts",
            },
          ],
          "message": "texts must contain at least 1 text",
        },
      }
    `);
    const many = Array.from({ length: 65 }, () => 'a good book');
    expect((await post('/v1/text/embed', { texts: many })).body).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_input",
          "issues": [
            {
              "message": "must contain at most 64 texts, got 65",
              "path": "texts",
            },
          ],
          "message": "texts must contain at most 64 texts, got 65",
        },
      }
    `);
  });
});

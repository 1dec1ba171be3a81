// Request bodies of the text endpoints. Everything that can be checked without a model is checked
// here (so it lands in /openapi.json too): a text is a non-empty string of at most MAX_TEXT_CHARS
// characters, without control characters or unpaired surrogates, with at least one word. What
// depends on the model (its length, its vocabulary) is checked by text-model.ts.
import { z } from '@hono/zod-openapi';
import { MASK, tokens } from '../contract/tokenizer';
import { describeValue } from '../schemas/image';

/** Far above what a 16-word model reads; it only bounds the work a request can cause. */
export const MAX_TEXT_CHARS = 1000;
export const MAX_TEXTS = 64;
export const MAX_TOP = 50;

/**
 * Index of the first control character (C0 or C1) other than tab, line feed and carriage return, which
 * are ordinary whitespace in pasted text; −1 when there is none.
 */
function controlCharacterIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}
const LONE_SURROGATE = /\p{Cs}/u;

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first problem of a text that no model could read, or undefined. */
export function textProblem(text: string): string | undefined {
  if (text.trim().length === 0) return 'must not be empty';
  if (text.length > MAX_TEXT_CHARS) return `must be at most ${MAX_TEXT_CHARS} characters, got ${text.length}`;
  const control = controlCharacterIndex(text);
  if (control >= 0) {
    return `must not contain control characters, found ${codePoint(text[control]!)} at index ${control}`;
  }
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) return `must be valid Unicode, found an unpaired surrogate at index ${surrogate.index}`;
  if (tokens(text).length === 0) return 'has no words (punctuation and symbols are ignored)';
  return undefined;
}

/** A text, with one more rule for the endpoint (`extra` returns a problem or undefined). */
function textSchema(description: string, example: string, extra?: (text: string) => string | undefined) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined ? 'is required' : `must be a string, got ${describeValue(issue.input)}`,
    })
    .superRefine((text, ctx) => {
      const problem = textProblem(text) ?? extra?.(text);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ description, example });
}

const ModelNameSchema = z
  .string({ error: (issue) => `must be a model name, got ${describeValue(issue.input)}` })
  .optional()
  .openapi({
    description: "Omitted: the endpoint's default model from models/index.json",
    example: 'fortunes-text',
  });

const jsonObject = {
  error: (issue: { code: string; input?: unknown }) =>
    issue.code === 'invalid_type' ? `must be a JSON object, got ${describeValue(issue.input)}` : undefined,
};

const countMasks = (text: string) => tokens(text).filter((t) => t === MASK).length;

export const FillMaskRequestSchema = z
  .strictObject(
    {
      model: ModelNameSchema,
      text: textSchema(
        `A sentence with ${MASK} where a word is missing (each ${MASK} is filled independently)`,
        `I am going to ${MASK}`,
        (text) => {
          const masks = countMasks(text);
          if (masks === 0) return `must contain ${MASK} where the missing word goes`;
          return masks === tokens(text).length ? `must contain at least one word besides ${MASK}` : undefined;
        },
      ),
      top: z
        .number({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
        .int({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
        .min(1, { error: 'must be at least 1' })
        .max(MAX_TOP, { error: `must be at most ${MAX_TOP}` })
        .default(5)
        .openapi({ description: 'How many candidate words per mask', example: 5 }),
    },
    jsonObject,
  )
  .openapi('FillMaskRequest');

export const UnshuffleRequestSchema = z
  .strictObject(
    {
      model: ModelNameSchema,
      text: textSchema('Words in any order', 'school to going am i', (text) => {
        if (countMasks(text) > 0) return `must not contain ${MASK} (that is for /v1/text/fill-mask)`;
        const n = tokens(text).length;
        return n < 2 ? `must have at least 2 words to order, got ${n}` : undefined;
      }),
    },
    jsonObject,
  )
  .openapi('UnshuffleRequest');

export const TextEmbedRequestSchema = z
  .strictObject(
    {
      model: ModelNameSchema,
      texts: z
        .array(textSchema('A sentence', 'I am going to school'), {
          error: (issue) =>
            issue.input === undefined
              ? 'is required'
              : `must be an array of texts, got ${describeValue(issue.input)}`,
        })
        .min(1, { error: 'must contain at least 1 text' })
        .max(MAX_TEXTS, {
          error: (issue) =>
            `must contain at most ${MAX_TEXTS} texts, got ${(issue.input as unknown[]).length}`,
        })
        .openapi({ description: `1–${MAX_TEXTS} texts` }),
    },
    jsonObject,
  )
  .openapi('TextEmbedRequest');

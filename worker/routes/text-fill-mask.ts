// POST /v1/text/fill-mask {model?, text, top?} → {model, version, words, unknown, predictions, filled}:
// the masked-word pretext task ("I am going to [MASK]"). Each [MASK] gets the `top` most likely words
// of the model's masked-word head (output role `wordLogits`, [L, V]).
import { createRoute, z } from '@hono/zod-openapi';
import { MASK_ID } from '../contract/tokenizer';
import { acceptBodies, JSON_MEDIA_TYPE } from '../http/media-type';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import { answeredBy } from '../schemas/answer';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import type { ModelRegistry } from '../serving/model-registry';
import { topWords } from '../text/fill-mask';
import { FillMaskRequestSchema } from '../text/requests';
import { encodeText, runText, textModel, unknownWords } from '../text/text-model';

const WordsSchema = z.array(z.string());

export const FillMaskAnswerSchema = z
  .object({
    ...answeredBy,
    words: WordsSchema.openapi({
      description: 'The text as the model reads it: lowercased words and [MASK]',
    }),
    unknown: WordsSchema.openapi({ description: "Words outside the model's vocabulary (read as [UNK])" }),
    predictions: z.array(
      z.object({
        position: z.number().int().openapi({ description: 'Index of the [MASK] in `words`' }),
        words: z
          .array(z.object({ word: z.string(), probability: z.number() }))
          .openapi({ description: 'Most likely first; probabilities over the real words sum to 1' }),
      }),
    ),
    filled: z
      .string()
      .openapi({ description: 'The words with each [MASK] replaced by its most likely word' }),
  })
  .openapi('FillMaskAnswer');

const route = createRoute({
  method: 'post',
  path: '/v1/text/fill-mask',
  tags: ['text'],
  summary: 'Predict a missing word',
  description: 'The masked-word pretext task: ranked words with probabilities for each [MASK] in the text',
  middleware: [acceptBodies([JSON_MEDIA_TYPE])] as const,
  request: { body: { required: true, content: { [JSON_MEDIA_TYPE]: { schema: FillMaskRequestSchema } } } },
  responses: {
    200: {
      description: 'Candidates per [MASK]',
      content: { [JSON_MEDIA_TYPE]: { schema: FillMaskAnswerSchema } },
    },
    ...MODEL_ERROR_RESPONSES,
  },
});

export function fillMaskRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const { model: requested, text, top } = c.req.valid('json');
      const model = await textModel(registry, 'fill-mask', requested);
      const encoded = encodeText(model, text);
      const { wordLogits } = await runText(model, [encoded], ['wordLogits'], 'fill-mask');
      const size = model.tokenizer.size;
      const predictions = encoded.ids.flatMap((id, position) =>
        id === MASK_ID
          ? [
              {
                position,
                words: topWords(
                  wordLogits!.data.subarray(position * size, (position + 1) * size),
                  model.tokenizer,
                  top,
                ),
              },
            ]
          : [],
      );
      const best = new Map(predictions.map((p) => [p.position, p.words[0]!.word]));
      const filled = encoded.words.map((w, i) => best.get(i) ?? w).join(' ');
      const { name, version } = model.manifest;
      return c.json(
        { model: name, version, words: encoded.words, unknown: unknownWords(encoded), predictions, filled },
        200,
      );
    })
    .all(route.path, methodNotAllowed(['POST']));
}

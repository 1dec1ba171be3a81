// POST /v1/text/unshuffle {model?, text} → {model, version, words, unknown, order, text}: the word-order
// pretext task. The model scores every word's original position without seeing the order it was sent
// in (output role `positionLogits`, [L, L]); the answer is the one order that maximises the total
// log-probability (an assignment, so no two words claim the same place).
import { createRoute, z } from '@hono/zod-openapi';
import { bestAssignment, invertPermutation, positionScores } from '../contract/word-order';
import { acceptBodies, JSON_MEDIA_TYPE } from '../http/media-type';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import { answeredBy } from '../schemas/answer';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import type { ModelRegistry } from '../serving/model-registry';
import { UnshuffleRequestSchema } from '../text/requests';
import { encodeText, runText, textModel, unknownWords } from '../text/text-model';

export const UnshuffleAnswerSchema = z
  .object({
    ...answeredBy,
    words: z
      .array(z.string())
      .openapi({ description: 'The words as sent (lowercased, punctuation dropped)' }),
    unknown: z
      .array(z.string())
      .openapi({ description: "Words outside the model's vocabulary (read as [UNK])" }),
    order: z
      .array(z.number().int())
      .openapi({ description: 'order[p] = index in `words` of the word the model puts at position p' }),
    text: z
      .string()
      .openapi({ description: 'The words in the predicted order', example: 'i am going to school' }),
  })
  .openapi('UnshuffleAnswer');

const route = createRoute({
  method: 'post',
  path: '/v1/text/unshuffle',
  tags: ['text'],
  summary: 'Put shuffled words in order',
  description: 'The word-order pretext task: the most likely order of the words of a shuffled sentence',
  middleware: [acceptBodies([JSON_MEDIA_TYPE])] as const,
  request: { body: { required: true, content: { [JSON_MEDIA_TYPE]: { schema: UnshuffleRequestSchema } } } },
  responses: {
    200: {
      description: 'The most likely order',
      content: { [JSON_MEDIA_TYPE]: { schema: UnshuffleAnswerSchema } },
    },
    ...MODEL_ERROR_RESPONSES,
  },
});

export function unshuffleRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const { model: requested, text } = c.req.valid('json');
      const model = await textModel(registry, 'unshuffle', requested);
      const encoded = encodeText(model, text);
      const { positionLogits } = await runText(model, [encoded], ['positionLogits'], 'unshuffle');
      const scores = positionScores(positionLogits!.data, encoded.ids.length, model.maxLength);
      const order = invertPermutation(bestAssignment(scores));
      const { name, version } = model.manifest;
      return c.json(
        {
          model: name,
          version,
          words: encoded.words,
          unknown: unknownWords(encoded),
          order,
          text: order.map((i) => encoded.words[i]!).join(' '),
        },
        200,
      );
    })
    .all(route.path, methodNotAllowed(['POST']));
}

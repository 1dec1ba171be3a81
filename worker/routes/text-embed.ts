// POST /v1/text/embed {model?, texts} → {model, version, dims, embeddings}: each sentence's embedding,
// the mean of the encoder's token states over its words (output role `embedding`), as trained by the
// masked-word and word-order pretext tasks. Compare embeddings by cosine similarity.
import { createRoute, z } from '@hono/zod-openapi';
import { acceptBodies, JSON_MEDIA_TYPE } from '../http/media-type';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredBy } from '../schemas/answer';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import type { ModelRegistry } from '../serving/model-registry';
import { TextEmbedRequestSchema } from '../text/requests';
import { encodeTexts, runText, textModel } from '../text/text-model';

export const TextEmbedAnswerSchema = z
  .object({ ...answeredBy, dims: z.number().int(), embeddings: z.array(z.array(z.number())) })
  .openapi('TextEmbedAnswer');

const route = createRoute({
  method: 'post',
  path: '/v1/text/embed',
  tags: ['text'],
  summary: 'Embed sentences',
  description:
    "Each text's sentence embedding: the mean of the encoder's token states (output role `embedding`)",
  middleware: [acceptBodies([JSON_MEDIA_TYPE])] as const,
  request: { body: { required: true, content: { [JSON_MEDIA_TYPE]: { schema: TextEmbedRequestSchema } } } },
  responses: {
    200: {
      description: 'One embedding per text',
      content: { [JSON_MEDIA_TYPE]: { schema: TextEmbedAnswerSchema } },
    },
    ...MODEL_ERROR_RESPONSES,
  },
});

export function textEmbedRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const { model: requested, texts } = c.req.valid('json');
      const model = await textModel(registry, 'text-embed', requested);
      const encoded = encodeTexts(model, texts, (i) => ['texts', i]);
      const { embedding } = await runText(model, encoded, ['embedding'], 'text-embed');
      const embeddings = batchToRows(embedding!);
      const { name, version } = model.manifest;
      return c.json({ model: name, version, dims: embeddings[0]?.length ?? 0, embeddings }, 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

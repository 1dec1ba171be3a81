// POST /v1/neighbors {model?, images, k?} → {model, version, neighbors}: the k reference items nearest to
// each image in the model's embedding, by cosine similarity, found by an exact search of the model's
// reference index (the lecture's "recommendation": items like this one). The images come in the same
// forms as every image endpoint (JSON numbers or base64 PNG/JPEG, or a float32 body with `?k=`).
import { createRoute, z } from '@hono/zod-openapi';
import { invalidInput } from '../http/api-error';
import { readImageRequest } from '../http/image-request';
import { acceptBodies, FLOAT32_MEDIA_TYPE, JSON_MEDIA_TYPE } from '../http/media-type';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import { answeredByDtype } from '../schemas/answer';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import {
  DEFAULT_NEIGHBORS,
  NeighborSchema,
  NeighborsQuerySchema,
  NeighborsRequestSchema,
} from '../schemas/neighbors';
import { Float32ImagesBodySchema } from '../schemas/requests';
import type { ModelRegistry } from '../serving/model-registry';
import { findNeighbors } from '../serving/neighbors';

export const NeighborsAnswerSchema = z
  .object({
    ...answeredByDtype,
    neighbors: z.array(z.array(NeighborSchema)).openapi({
      description: 'Per image, its k nearest reference items, most similar first (ties: lower index)',
    }),
  })
  .openapi('NeighborsAnswer');

const route = createRoute({
  method: 'post',
  path: '/v1/neighbors',
  tags: ['models'],
  summary: 'Find similar reference items',
  description:
    "The k nearest items of the model's reference index (manifest.reference: its dataset's test split, embedded by the same graph) to each image, by cosine similarity of the embeddings; an exact search over every item. Answers are JSON.",
  middleware: [acceptBodies([JSON_MEDIA_TYPE, FLOAT32_MEDIA_TYPE])] as const,
  request: {
    query: NeighborsQuerySchema,
    // Not `required`, as in ./image-route.ts: a float32 body must not meet the JSON validator.
    body: {
      content: {
        [JSON_MEDIA_TYPE]: { schema: NeighborsRequestSchema },
        [FLOAT32_MEDIA_TYPE]: { schema: Float32ImagesBodySchema },
      },
    },
  },
  responses: {
    200: {
      description: 'The nearest reference items of each image',
      content: { [JSON_MEDIA_TYPE]: { schema: NeighborsAnswerSchema } },
    },
    ...MODEL_ERROR_RESPONSES,
  },
});

export function neighborsRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const body = c.req.valid('json');
      const query = c.req.valid('query');
      const request = await readImageRequest(c, body, query);
      if (body.k !== undefined && query.k !== undefined && body.k !== query.k) {
        throw invalidInput([{ path: 'query.k', message: `is ${query.k} but the body says ${body.k}` }]);
      }
      const k = body.k ?? query.k ?? DEFAULT_NEIGHBORS;
      return c.json(await findNeighbors(registry, request, k), 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

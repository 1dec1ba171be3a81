// The parts every image endpoint shares: the two request bodies (JSON or float32), `?model=`, the two
// response forms and the error responses. Each endpoint adds its summary and its JSON answer.
import { createRoute, type z } from '@hono/zod-openapi';
import { imageBatchJson } from '../http/image-batch-json';
import { acceptBodies, FLOAT32_MEDIA_TYPE, JSON_MEDIA_TYPE } from '../http/media-type';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import { Float32ImagesBodySchema, ImageBatchRequestSchema, ModelQuerySchema } from '../schemas/requests';

interface ImageRouteOptions<Path extends `/v1/${string}`, Answer extends z.ZodType> {
  /** A literal type, so the typed client (hc<App>) sees `/v1/embed`, not any `/v1/…` path. */
  path: Path;
  summary: string;
  description: string;
  answer: Answer;
  /** What an `Accept: application/octet-stream` answer holds, e.g. "N×dims embeddings". */
  float32: string;
}

export function imageRoute<const Path extends `/v1/${string}`, Answer extends z.ZodType>(
  options: ImageRouteOptions<Path, Answer>,
) {
  return createRoute({
    method: 'post',
    path: options.path,
    tags: ['models'],
    summary: options.summary,
    description: options.description,
    middleware: [acceptBodies([JSON_MEDIA_TYPE, FLOAT32_MEDIA_TYPE]), imageBatchJson] as const,
    request: {
      query: ModelQuerySchema,
      body: {
        // Not `required`: @hono/zod-openapi would then run the JSON validator on float32 bodies too.
        // acceptBodies() already refuses a request without a body; /openapi.json says it is required.
        content: {
          [JSON_MEDIA_TYPE]: { schema: ImageBatchRequestSchema },
          [FLOAT32_MEDIA_TYPE]: { schema: Float32ImagesBodySchema },
        },
      },
    },
    responses: {
      200: {
        description: options.description,
        content: {
          [JSON_MEDIA_TYPE]: { schema: options.answer },
          [FLOAT32_MEDIA_TYPE]: {
            schema: Float32ImagesBodySchema.openapi({
              description: `With Accept: application/octet-stream: ${options.float32}, float32 little-endian row-major; headers X-Model, X-Model-Version, X-Shape: "rows,columns"`,
            }),
          },
        },
      },
      ...MODEL_ERROR_RESPONSES,
    },
  });
}

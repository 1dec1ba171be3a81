// The request of POST /v1/neighbors: an image request (./requests.ts: model, dtype, images) and `k`, in the JSON body or, for an
// application/octet-stream body (which has no JSON fields), as `?k=`. The same limits and messages either way.
import { z } from '@hono/zod-openapi';
import { MAX_NEIGHBORS } from '../contract/reference-index';
import { describeValue } from './image';
import { DtypeSchema, ImagesSchema, ModelNameSchema } from './requests';

export const DEFAULT_NEIGHBORS = 10;

const wholeNumber = (issue: { input?: unknown }) =>
  `must be a whole number, got ${describeValue(issue.input)}`;

/** As ./requests.ts says it of every request body. */
const jsonObject = {
  error: (issue: { code: string; input?: unknown }) =>
    issue.code === 'invalid_type' ? `must be a JSON object, got ${describeValue(issue.input)}` : undefined,
};

const KSchema = z
  .number({ error: wholeNumber })
  .int({ error: wholeNumber })
  .min(1, { error: 'must be at least 1' })
  .max(MAX_NEIGHBORS, { error: `must be at most ${MAX_NEIGHBORS}` });

const kDoc = {
  description: `How many nearest reference items to answer per image (1–${MAX_NEIGHBORS}); omitted: ${DEFAULT_NEIGHBORS}`,
  example: DEFAULT_NEIGHBORS,
};

export const NeighborsRequestSchema = z
  .strictObject(
    {
      model: ModelNameSchema.optional(),
      dtype: DtypeSchema.optional(),
      images: ImagesSchema,
      k: KSchema.optional().openapi(kDoc),
    },
    jsonObject,
  )
  .openapi('NeighborsRequest');

/** `?model=`, `?dtype=` and `?k=`: how an application/octet-stream body names its model, precision and k. */
export const NeighborsQuerySchema = z.strictObject({
  model: ModelNameSchema.optional().openapi({
    param: { name: 'model', in: 'query' },
    description: 'Selects the model for an application/octet-stream body (a JSON body may name it instead)',
  }),
  dtype: DtypeSchema.optional().openapi({
    param: { name: 'dtype', in: 'query' },
    description:
      'Selects the precision that embeds the images for an application/octet-stream body (a JSON body may name it instead); the index is the same',
  }),
  k: z
    .string()
    .regex(/^\d+$/, { error: (issue) => `must be a whole number, got "${String(issue.input).slice(0, 20)}"` })
    .transform(Number)
    .pipe(KSchema)
    .optional()
    .openapi({ param: { name: 'k', in: 'query' }, ...kDoc, example: '10' }),
});

export const NeighborSchema = z
  .object({
    index: z.number().int().nonnegative().openapi({
      description:
        'The item of the reference set (manifest.reference.set): GET /v1/models/:name/reference/:index shows it',
      example: 427,
    }),
    label: z.string().openapi({ description: "The item's class name", example: 'Sneaker' }),
    score: z
      .number()
      .openapi({ description: 'Cosine similarity of the embeddings, in [−1, 1]', example: 0.93 }),
  })
  .openapi('Neighbor');

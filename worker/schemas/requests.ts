// Request bodies and query strings of the model endpoints. These schemas validate every request AND
// are what /openapi.json is generated from, so the documented contract cannot drift from the checks.
import { z } from '@hono/zod-openapi';
import { IMAGE_PIXELS } from '../contract/image';
import { DEFAULT_DTYPE, DTYPES } from '../contract/manifest';
import { decodeImages, describeValue, ImageSchema } from './image';

export const MAX_IMAGES = 256;

export const ImagesSchema = z
  .array(ImageSchema, {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `must be an array of images, got ${describeValue(issue.input)}`,
  })
  .min(1, { error: 'must contain at least 1 image' })
  .max(MAX_IMAGES, {
    error: (issue) => `must contain at most ${MAX_IMAGES} images, got ${(issue.input as unknown[]).length}`,
  })
  .transform(decodeImages)
  .openapi({ description: `1–${MAX_IMAGES} images` });

export const ModelNameSchema = z
  .string({ error: (issue) => `must be a model name, got ${describeValue(issue.input)}` })
  .openapi({
    description: "Omitted: the endpoint's default model from models/index.json",
    example: 'mnist-mlp-ae',
  });

/**
 * Which precision of the model answers, as transformers.js's `dtype`: `fp32` (the default) runs the
 * exported graph, `q8` its static int8 variant (smaller, faster on the wasm EP; its metric change per
 * model is in EVALUATION.md). A model without the variant answers 400 unsupported_dtype.
 */
export const DtypeSchema = z
  .enum(DTYPES, {
    error: (issue) =>
      `must be one of ${DTYPES.map((d) => `"${d}"`).join(', ')}, got ${describeValue(issue.input)}`,
  })
  .openapi({
    description: `The model's precision: "fp32" (default) or "q8", its int8 variant (when its manifest names one)`,
    example: DEFAULT_DTYPE,
  });

const jsonObject = {
  error: (issue: { code: string; input?: unknown }) =>
    issue.code === 'invalid_type' ? `must be a JSON object, got ${describeValue(issue.input)}` : undefined,
};

export const ImageBatchRequestSchema = z
  .strictObject(
    { model: ModelNameSchema.optional(), dtype: DtypeSchema.optional(), images: ImagesSchema },
    jsonObject,
  )
  .openapi('ImageBatchRequest');
export type ImageBatchRequest = z.infer<typeof ImageBatchRequestSchema>;

/** `?model=`: how an application/octet-stream body (which has no JSON fields) names its model. */
export const ModelQuerySchema = z.strictObject({
  model: ModelNameSchema.optional().openapi({
    param: { name: 'model', in: 'query' },
    description: 'Selects the model for an application/octet-stream body (a JSON body may name it instead)',
  }),
  dtype: DtypeSchema.optional().openapi({
    param: { name: 'dtype', in: 'query' },
    description:
      'Selects the precision for an application/octet-stream body (a JSON body may name it instead)',
  }),
});

/**
 * float32 little-endian, N×784 row-major: the same images as JSON, 4 bytes a pixel. Documentation
 * only (the route reads the bytes itself); typed `never` so that it adds nothing to the JSON input
 * type that the typed client sees.
 */
export const Float32ImagesBodySchema = z.custom<never>().openapi({
  type: 'string',
  format: 'binary',
  description: `float32 little-endian, N×${IMAGE_PIXELS} row-major (N = 1–${MAX_IMAGES}), each value in [0, 1]`,
});

export const MAX_GENERATE = 256;

export const GenerateRequestSchema = z
  .strictObject(
    {
      model: ModelNameSchema.optional(),
      dtype: DtypeSchema.optional(),
      count: z
        .number({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
        .int({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
        .min(1, { error: 'must be at least 1' })
        .max(MAX_GENERATE, { error: `must be at most ${MAX_GENERATE}` })
        .openapi({ description: 'How many images to sample from the prior', example: 8 }),
      seed: z
        .number({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
        .int({ error: (issue) => `must be a whole number, got ${describeValue(issue.input)}` })
        .min(0, { error: 'must be in [0, 4294967295]' })
        .max(0xffffffff, { error: 'must be in [0, 4294967295]' })
        .optional()
        .openapi({ description: 'Same seed, same model version → same images. Omitted: a random seed' }),
    },
    jsonObject,
  )
  .openapi('GenerateRequest');
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;

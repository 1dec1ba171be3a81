// Request bodies of the image endpoints (/v1/embed, /v1/reconstruct, …): {model?, images}.
import { z } from 'zod';
import { describeValue, ImageSchema } from './image';

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
  });

export const ImageBatchRequestSchema = z.strictObject(
  {
    /** Omitted: the endpoint's default model from models/index.json. */
    model: z
      .string({ error: (issue) => `must be a model name, got ${describeValue(issue.input)}` })
      .optional(),
    images: ImagesSchema,
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? `must be a JSON object, got ${describeValue(issue.input)}` : undefined,
  },
);
export type ImageBatchRequest = z.infer<typeof ImageBatchRequestSchema>;

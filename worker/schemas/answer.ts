// Fields every model endpoint answers with, so a client always knows which artefact produced a result.
import { z } from '@hono/zod-openapi';
import { IMAGE_PIXELS } from '../contract/image';
import { DTYPES } from '../contract/manifest';

export const answeredBy = {
  model: z.string().openapi({ example: 'mnist-mlp-ae' }),
  version: z.string().openapi({ example: '1.0.0' }),
};

/** …and, for the image and generate endpoints, which precision of it (the request's `dtype`). */
export const answeredByDtype = {
  ...answeredBy,
  dtype: z.enum(DTYPES).openapi({ description: 'The precision that answered: "fp32" or "q8"' }),
};

/** N images of 784 numbers (28×28 row-major, 1 = ink). */
export const ImageRowsSchema = z.array(z.array(z.number()).length(IMAGE_PIXELS));

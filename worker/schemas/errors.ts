// The one error body, {error: {code, message, issues?}}, as a schema for /openapi.json and the client.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../http/api-error';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string().openapi({ example: 'images[3] must have 784 values, got 12' }),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: 'Every problem found in the request, where it is and what it is' }),
    }),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** The errors any model endpoint can answer with (DESIGN.md, "HTTP API"). */
export const MODEL_ERROR_RESPONSES = {
  400: errorResponse('Invalid input (what and where), or a model that cannot do this task'),
  404: errorResponse('Unknown model'),
  413: errorResponse('Body larger than the limit'),
  415: errorResponse('Unsupported Content-Type'),
  503: errorResponse('Model unavailable (e.g. its bytes do not match its manifest)'),
} as const;

export const NOT_FOUND_RESPONSE = { 404: errorResponse('Unknown model') } as const;

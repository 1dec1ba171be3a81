// Validates a JSON request body with a zod schema: 415 for another media type, 400 for malformed JSON
// (hono's validator) or for a body the schema rejects, with every issue and where it is.
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { toIssues } from '../schemas/issues';
import { ApiError, invalidInput } from './api-error';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export function jsonBody<Schema extends z.ZodType>(schema: Schema) {
  return validator('json', (value, c): z.output<Schema> => {
    // hono's validator silently skips non-JSON bodies (value stays {}); an API that only speaks JSON says so.
    const contentType = c.req.header('content-type') ?? '';
    const mediaType = contentType.split(';')[0]?.trim() ?? '';
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      const got = contentType === '' ? 'no Content-Type' : `"${contentType}"`;
      throw new ApiError(415, 'unsupported_media_type', `Content-Type must be application/json, got ${got}`);
    }
    const result = schema.safeParse(value);
    if (!result.success) throw invalidInput(toIssues(result.error));
    return result.data;
  });
}

// The one place that shapes error bodies: every error leaves the API as {error: {code, message, issues?}}.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, type ErrorCode } from './api-error';

/** Codes for the HTTPExceptions hono itself throws (e.g. "Malformed JSON in request body" is a 400). */
const CODE_FOR_STATUS: Readonly<Partial<Record<number, ErrorCode>>> = Object.freeze({
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'model_unavailable',
});

export const onError: ErrorHandler = (error, c) => {
  if (error instanceof ApiError) {
    // The operator needs to know why a model went unavailable; the client gets the same sentence.
    if (error.status === 503) console.error(`${c.req.method} ${c.req.path}: ${error.message}`);
    return errorBody(c, error.status, error.code, error.message, error.issues);
  }
  if (error instanceof HTTPException && error.status < 500) {
    const status = error.status as ContentfulStatusCode;
    return errorBody(c, status, CODE_FOR_STATUS[status] ?? 'invalid_input', error.message);
  }
  // A real bug: log it with its stack for the operator, but never send the stack to the client.
  console.error(`${c.req.method} ${c.req.path} failed:`, error);
  return errorBody(c, 500, 'internal_error', 'Internal server error');
};

export const onNotFound: NotFoundHandler = (c) =>
  errorBody(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path}`);

function errorBody(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  issues?: readonly unknown[],
): Response {
  return c.json({ error: issues === undefined ? { code, message } : { code, message, issues } }, status);
}

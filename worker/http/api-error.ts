// The one error type of the API. Every failure a client can cause (or that a model can suffer)
// is an ApiError; `onError` turns it into the one error body shape, {error: {code, message, issues?}}.
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error code the API answers with (the OpenAPI error schema enumerates these). */
export const ERROR_CODES = [
  'invalid_input',
  'unsupported_task',
  'unsupported_dtype',
  'not_found',
  'model_not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'model_unavailable',
  'unauthorized',
  'forbidden',
  'conflict',
  'rate_limited',
  'admin_disabled',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem in a request body: where (`images[3]`) and what (`must have 784 values, got 12`). */
export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly issues: Issue[] | undefined;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: { issues?: Issue[]; cause?: unknown } = {},
  ) {
    super(status, { message, cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.issues = options.issues;
  }
}

/** 400: the message names the first problem and where it is, the issues list all of them. */
export function invalidInput(issues: Issue[]): ApiError {
  const [first] = issues;
  const head = first === undefined ? 'Invalid request body' : describeIssue(first);
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more ${issues.length === 2 ? 'issue' : 'issues'})` : '';
  return new ApiError(400, 'invalid_input', head + more, { issues });
}

function describeIssue(issue: Issue): string {
  return issue.path === '' ? issue.message : `${issue.path} ${issue.message}`;
}

export function modelNotFound(name: string, known: readonly string[]): ApiError {
  return new ApiError(404, 'model_not_found', `Unknown model "${name}". Known models: ${known.join(', ')}`);
}

/** 503: the model exists but cannot be served (corrupt bytes, invalid manifest); others keep serving. */
export function modelUnavailable(name: string, reason: string, cause?: unknown): ApiError {
  return new ApiError(503, 'model_unavailable', `Model "${name}" is unavailable: ${reason}`, { cause });
}

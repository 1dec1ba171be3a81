// hono answers an unregistered method with 404; the API says 405 and which methods the path takes.
import type { Handler } from 'hono';
import { ApiError } from './api-error';

export function methodNotAllowed(allowed: readonly string[]): Handler {
  return (c) => {
    c.header('Allow', allowed.join(', '));
    throw new ApiError(
      405,
      'method_not_allowed',
      `Method ${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(' or ')}`,
    );
  };
}

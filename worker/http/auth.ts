// Who may call what. /admin/* needs the ADMIN_TOKEN secret as a bearer token; /v1/* needs one of the
// API_KEYS when that secret is set. Tokens are compared in constant time and never logged or echoed.
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from './api-error';
import { bindingsOf } from './bindings';

/** The bearer token of `Authorization: Bearer <token>` (undefined: no such header). */
export function bearerToken(c: Context): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('Authorization') ?? '');
  return match?.[1];
}

/**
 * Whether two secrets are equal, in time that depends on neither: both are hashed to 32 bytes first, so
 * not even their lengths leak, and the bytes are compared without an early exit. (workerd's
 * crypto.subtle.timingSafeEqual would do the last step, but this app also runs on Node for the bench.)
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all(
    [given, expected].map(
      async (s) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s))),
    ),
  );
  let difference = 0;
  for (let i = 0; i < a!.length; i++) difference |= a![i]! ^ b![i]!;
  return difference === 0;
}

const unauthorized = (c: Context, message: string) => {
  c.header('WWW-Authenticate', 'Bearer');
  return new ApiError(401, 'unauthorized', message);
};

/** /admin/*: 503 while ADMIN_TOKEN is unset, 401 without a bearer token, 403 with a wrong one. */
export const requireAdmin: MiddlewareHandler = async (c, next) => {
  const expected = bindingsOf(c.env).ADMIN_TOKEN;
  if (expected === undefined || expected === '') {
    throw new ApiError(
      503,
      'admin_disabled',
      'The admin routes are disabled: this worker has no ADMIN_TOKEN secret (set one with `wrangler secret put ADMIN_TOKEN`, or in .dev.vars locally)',
    );
  }
  const token = bearerToken(c);
  if (token === undefined)
    throw unauthorized(c, 'The admin routes need an Authorization: Bearer <token> header');
  if (!(await secretsEqual(token, expected)))
    throw new ApiError(403, 'forbidden', 'The admin token is not valid');
  await next();
};

/** The API keys of the API_KEYS secret; empty: the API is open. */
export function apiKeys(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((key) => key !== '');
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(c: Context): string | undefined {
  return bearerToken(c) ?? c.req.header('X-API-Key')?.trim();
}

/**
 * /v1/*: open while API_KEYS is unset or empty; else 401 without a key and 403 with an unknown one. The
 * key that matched is kept on the context (`apiKey`) for the rate limiter.
 */
export const requireApiKey: MiddlewareHandler<{ Variables: { apiKey?: string } }> = async (c, next) => {
  const keys = apiKeys(bindingsOf(c.env).API_KEYS);
  if (keys.length === 0 || c.req.method === 'OPTIONS') return next();
  const presented = presentedKey(c);
  if (presented === undefined || presented === '') {
    throw unauthorized(c, 'This API needs a key: send Authorization: Bearer <key> or X-API-Key: <key>');
  }
  // Every key is compared, so the time does not say which one (or whether any) matched.
  const matches = await Promise.all(keys.map((key) => secretsEqual(presented, key)));
  const index = matches.indexOf(true);
  if (index === -1) throw new ApiError(403, 'forbidden', 'The API key is not valid');
  c.set('apiKey', keys[index]!);
  await next();
};

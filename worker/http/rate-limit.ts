// Per-key rate limiting with the Workers rate-limiting binding (wrangler.toml [[ratelimits]]; miniflare
// simulates it under `wrangler dev` and in the tests). It counts requests per API key, so it applies only
// while API_KEYS is set: without keys there is no one to count for (put a WAF rule in front instead).

import type { MiddlewareHandler } from 'hono';
import { sha256HexOfText } from '../store/sha256';
import { ApiError } from './api-error';
import { bindingsOf, secondsVar } from './bindings';

export const DEFAULT_RATE_LIMIT_PERIOD_S = 60;

export const rateLimitPerKey: MiddlewareHandler<{ Variables: { apiKey?: string } }> = async (c, next) => {
  const { RATE_LIMITER: limiter, RATE_LIMIT_PERIOD_S } = bindingsOf(c.env);
  const key = c.get('apiKey');
  if (limiter === undefined || key === undefined) return next();
  // The limiter sees a digest of the key, never the key itself.
  const { success } = await limiter.limit({ key: await keyId(key) });
  if (!success) {
    // The binding does not say when its window ends; its period is the longest a client can have to wait.
    const period = secondsVar(RATE_LIMIT_PERIOD_S, DEFAULT_RATE_LIMIT_PERIOD_S);
    c.header('Retry-After', String(Math.ceil(period)));
    throw new ApiError(429, 'rate_limited', `Too many requests for this API key; retry after ${period} s`);
  }
  await next();
};

async function keyId(key: string): Promise<string> {
  return (await sha256HexOfText(key)).slice(0, 24);
}

// CORS for browsers on other origins (the demo hosted elsewhere, app front-ends): CORS_ORIGINS lists the
// allowed origins, comma separated, or "*". Unset, the worker sends no CORS headers at all: the demo page
// it serves itself is same-origin and needs none.
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { bindingsOf } from './bindings';

export function corsOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((o) => o !== '');
}

const allowCors = cors({
  origin: (origin, c) => {
    const allowed = corsOrigins(bindingsOf(c.env).CORS_ORIGINS);
    if (allowed.includes('*')) return '*';
    return allowed.includes(origin) ? origin : null;
  },
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  allowHeaders: ['Content-Type', 'Accept', 'Authorization', 'X-API-Key'],
  // What a browser client may read besides the safelisted headers: which model answered, and how long to wait.
  exposeHeaders: ['X-Model', 'X-Model-Version', 'X-Shape', 'Retry-After', 'ETag'],
  maxAge: 600,
});

export const corsFromEnv: MiddlewareHandler = async (c, next) => {
  if (corsOrigins(bindingsOf(c.env).CORS_ORIGINS).length === 0) return next();
  return allowCors(c, next);
};

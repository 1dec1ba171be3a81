// What @hono/zod-openapi does when a request fails its schema: throw the API's 400, so that onError
// shapes it like every other error ({error: {code, message, issues}}), with paths a reader can paste.
import type { Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { toIssues } from '../schemas/issues';
import { invalidInput } from './api-error';

export const validationHook: Hook<unknown, Env, string, undefined> = (result) => {
  if (result.success) return;
  // A body's fields are named bare ("images[3]"), as before the OpenAPI routes; others by where they are.
  const root = result.target === 'json' ? 'body' : result.target;
  const issues = toIssues(result.error, root).map((issue) =>
    result.target === 'json' || issue.path === root ? issue : { ...issue, path: `${root}.${issue.path}` },
  );
  throw invalidInput(issues);
};

// zod issues → API issues: a path a reader can paste (`images[3][17]`) and a sentence about it.
import type { z } from 'zod';
import type { Issue } from '../http/api-error';

/** `root` names the validated value itself (an empty zod path): "body" for a request body. */
export function toIssues(error: z.ZodError, root = 'body'): Issue[] {
  return error.issues.flatMap((issue): Issue[] => {
    if (issue.code === 'unrecognized_keys') {
      // One issue per unknown key, at the key, so a typo ("image") is pointed at directly.
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key], root),
        message: 'is not a known field',
      }));
    }
    return [{ path: formatPath(issue.path, root), message: issue.message }];
  });
}

export function formatPath(path: readonly PropertyKey[], root = 'body'): string {
  if (path.length === 0) return root;
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

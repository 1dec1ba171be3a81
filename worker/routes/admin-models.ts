// The admin API of the R2 model store (scripts/models-publish.ts and models-rollback.ts drive it):
//
//   GET  /admin/models/:name/versions                    the uploaded versions and the current one
//   PUT  /admin/models/:name/versions/:version/:file     one file; header X-Content-SHA256: its sha256
//   POST /admin/models/:name/current  {"version": "…"}   puts a whole, verified version live
//
// Every route needs `Authorization: Bearer <ADMIN_TOKEN>`, and a MODELS bucket to write to. Kept out of
// /openapi.json and the typed client: it is an operator's API, not the public one.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  checkVersionPath,
  listVersions,
  movePointer,
  type Published,
  putVersionFile,
} from '../admin/versions';
import { ApiError, invalidInput } from '../http/api-error';
import { requireAdmin } from '../http/auth';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { R2Store } from '../store/r2-store';

/** Larger than the API's 8 MiB: a model file, not a batch of images. Workers accept up to 100 MB. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function adminRoutes(store: R2Store | undefined) {
  const publishedOf = (name: string): Published => {
    if (store === undefined) {
      throw new ApiError(
        503,
        'admin_disabled',
        'The admin routes are disabled: this worker has no MODELS R2 bucket binding (see wrangler.toml)',
      );
    }
    if (!NAME.test(name)) {
      throw invalidInput([{ path: 'params.name', message: 'must be lowercase letters, digits and dashes' }]);
    }
    return store;
  };

  return new Hono()
    .use('/admin/*', requireAdmin)
    .get('/admin/models/:name/versions', async (c) => {
      const name = c.req.param('name');
      return c.json(await listVersions(publishedOf(name), name));
    })
    .put(
      '/admin/models/:name/versions/:version/:file',
      bodyLimit({
        maxSize: MAX_UPLOAD_BYTES,
        onError: () => {
          throw new ApiError(
            413,
            'payload_too_large',
            `A model file may be at most ${MAX_UPLOAD_BYTES} bytes`,
          );
        },
      }),
      async (c) => {
        const { name, version, file } = c.req.param();
        const published = publishedOf(name);
        checkVersionPath(version, file);
        const body = await c.req.arrayBuffer();
        const result = await putVersionFile(
          published,
          name,
          version,
          file,
          body,
          c.req.header('X-Content-SHA256'),
        );
        return c.json(result, result.created ? 201 : 200);
      },
    )
    .post('/admin/models/:name/current', async (c) => {
      const name = c.req.param('name');
      const published = publishedOf(name);
      const body = (await c.req.json().catch(() => undefined)) as { version?: unknown } | undefined;
      if (typeof body?.version !== 'string') {
        throw invalidInput([{ path: 'version', message: 'must be the version to put live, e.g. "1.2.0"' }]);
      }
      const moved = await movePointer(published, name, body.version);
      // This isolate serves the new version from its next request; the others within MODEL_POINTER_TTL_S.
      store!.invalidate(name);
      console.log(`admin: ${name} current ${moved.previous ?? '(bundled)'} → ${moved.current}`);
      return c.json(moved);
    })
    .all('/admin/models/:name/versions', methodNotAllowed(['GET']))
    .all('/admin/models/:name/versions/:version/:file', methodNotAllowed(['PUT']))
    .all('/admin/models/:name/current', methodNotAllowed(['POST']));
}

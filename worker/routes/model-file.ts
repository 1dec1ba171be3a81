// GET /v1/models/:name/:file → the bytes of one of a model's ONNX graphs (manifest.onnx.file,
// manifest.generator.file, or an int8 variant's, variants.q8.onnx.file) or reference index files
// (manifest.reference), so a browser can run the same model with onnxruntime-web (the demo page's
// in-browser mode) and search and show its reference items, checking each against the sha256 in the manifest. The ETag is that sha256, so a
// cached copy is revalidated with a 304 and never downloaded twice.
import { createRoute, z } from '@hono/zod-openapi';
import { graphFiles } from '../contract/manifest';
import { ApiError, modelUnavailable } from '../http/api-error';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import { sessionKey } from '../runtime/session-cache';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import type { ModelRegistry } from '../serving/model-registry';
import type { ModelStore } from '../store/model-store';
import { sha256Hex } from '../store/sha256';

const route = createRoute({
  method: 'get',
  path: '/v1/models/{name}/{file}',
  tags: ['service'],
  summary: "A model's ONNX graph",
  description:
    "The bytes of `manifest.onnx.file`, `manifest.generator.file`, a variant's (`variants.q8.onnx.file`) or a file of `manifest.reference` (vectors, labels, images); `ETag` is the file's sha256 from the manifest",
  request: {
    params: z.object({
      name: z.string().openapi({ example: 'mnist-mlp-ae' }),
      file: z.string().openapi({ example: 'model.onnx' }),
    }),
  },
  responses: {
    200: {
      description: 'The ONNX file',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    304: { description: 'Not modified (If-None-Match holds the sha256)' },
    404: MODEL_ERROR_RESPONSES[404],
    503: MODEL_ERROR_RESPONSES[503],
  },
});

export function modelFileRoutes(registry: ModelRegistry, store: ModelStore) {
  // name@version/file whose bytes matched their manifest once: versions are immutable, so a file is
  // hashed on its first download only, not on every one.
  const verified = new Set<string>();
  return routesApp()
    .openapi(route, async (c) => {
      const { name, file } = c.req.valid('param');
      const manifest = await registry.manifest(name); // 404 for an unknown model, 503 for a broken one
      const { reference } = manifest;
      const graphs = [
        ...graphFiles(manifest),
        // The reference index's files too: the demo page searches and shows them in the browser.
        ...(reference
          ? [reference.vectors, reference.labels, ...(reference.images ? [reference.images] : [])]
          : []),
      ];
      const graph = graphs.find((g) => g.file === file);
      if (graph === undefined) {
        const files = graphs.map((g) => g.file).join(', ');
        throw new ApiError(404, 'not_found', `Model "${name}" has no file "${file}"; its files: ${files}`);
      }
      const etag = `"${graph.sha256}"`;
      const headers = {
        ETag: etag,
        'Cache-Control': 'no-cache', // models are swapped without a redeploy: revalidate, the ETag makes it cheap
        'X-Model-Version': manifest.version,
      };
      // The client holds the bytes the manifest names: nothing to read or send.
      if (c.req.header('If-None-Match') === etag) return c.body(null, 304, headers);
      const stored = await store.get(name);
      if (stored === undefined) throw modelUnavailable(name, 'it is no longer in the store');
      const bytes = await stored.read(file);
      const checked = `${sessionKey(name, manifest.version)}/${file}`;
      if (!verified.has(checked)) {
        const actual = await sha256Hex(bytes);
        if (actual !== graph.sha256) {
          throw modelUnavailable(
            name,
            `the sha256 of ${file} is ${actual}, but its manifest says ${graph.sha256}`,
          );
        }
        verified.add(checked);
      }
      return c.body(bytes, 200, { ...headers, 'Content-Type': 'application/octet-stream' });
    })
    .all(route.path.replace('{name}', ':name').replace('{file}', ':file'), methodNotAllowed(['GET']));
}

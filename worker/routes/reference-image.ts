// GET /v1/models/:name/reference/:index → one item of a model's reference set (what /v1/neighbors found):
// a 28×28 grayscale PNG (255 = ink, as the datasets store it, so it reads back as the same image), or with
// `Accept: application/json` {model, version, index, label, image: 784 numbers in [0, 1]}. The images and
// labels are files of the model's version, checked against their sha256 before use; the ETag names the
// images file and the index, so a client revalidates for free.
import { createRoute, z } from '@hono/zod-openapi';
import { encode as encodePng } from 'fast-png';
import { accepts } from 'hono/accepts';
import { IMAGE_SIDE } from '../contract/image';
import { referenceImage } from '../contract/reference-index';
import { ApiError, modelUnavailable } from '../http/api-error';
import { JSON_MEDIA_TYPE } from '../http/media-type';
import { methodNotAllowed } from '../http/method-not-allowed';
import { routesApp } from '../http/routes-app';
import { answeredBy } from '../schemas/answer';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import type { ModelRegistry } from '../serving/model-registry';
import { requireReference } from '../serving/neighbors';
import type { ModelStore } from '../store/model-store';

const PNG_MEDIA_TYPE = 'image/png';

export const ReferenceItemSchema = z
  .object({
    ...answeredBy,
    index: z.number().int().nonnegative(),
    label: z.string().openapi({ description: "The item's class name", example: 'Sneaker' }),
    image: z
      .array(z.number())
      .length(IMAGE_SIDE * IMAGE_SIDE)
      .openapi({ description: '784 numbers in [0, 1], 28×28 row-major, 1 = ink' }),
  })
  .openapi('ReferenceItem');

const route = createRoute({
  method: 'get',
  path: '/v1/models/{name}/reference/{index}',
  tags: ['models'],
  summary: 'One reference item',
  description:
    "An item of the model's reference set (the `index` of a /v1/neighbors answer): a 28×28 grayscale PNG with 255 = ink, or with `Accept: application/json` its label and 784 pixels. `ETag` names the images file and the index.",
  request: {
    params: z.object({
      name: z.string().openapi({ example: 'fmnist-simclr' }),
      index: z
        .string()
        .regex(/^\d+$/, {
          error: (issue) => `must be a whole number ≥ 0, got "${String(issue.input).slice(0, 20)}"`,
        })
        .openapi({ example: '427' }),
    }),
  },
  responses: {
    200: {
      description: 'The reference item',
      content: {
        // Typed `never` (as the float32 bodies of ./image-route.ts) so the typed client sees the JSON only.
        [PNG_MEDIA_TYPE]: { schema: z.custom<never>().openapi({ type: 'string', format: 'binary' }) },
        [JSON_MEDIA_TYPE]: { schema: ReferenceItemSchema },
      },
    },
    304: { description: 'Not modified (If-None-Match holds the ETag)' },
    400: MODEL_ERROR_RESPONSES[400],
    404: {
      ...MODEL_ERROR_RESPONSES[404],
      description: 'Unknown model, or no such item in its reference set',
    },
    503: MODEL_ERROR_RESPONSES[503],
  },
});

export function referenceImageRoutes(registry: ModelRegistry, store: ModelStore) {
  return routesApp()
    .openapi(route, async (c) => {
      const { name, index: text } = c.req.valid('param');
      const manifest = await requireReference(registry, name);
      const reference = manifest.reference!;
      const index = Number(text);
      if (index >= reference.count) {
        throw new ApiError(
          404,
          'not_found',
          `Model "${name}" has ${reference.count} reference items (indexes 0–${reference.count - 1}); there is no item ${text}`,
        );
      }
      if (reference.images === undefined) {
        throw new ApiError(
          404,
          'not_found',
          `Model "${name}" has no reference images (its index has labels only)`,
        );
      }
      const etag = `"${reference.images.sha256}:${index}"`;
      const headers = { ETag: etag, 'Cache-Control': 'no-cache', 'X-Model-Version': manifest.version };
      if (c.req.header('If-None-Match') === etag) return c.body(null, 304, headers);
      const stored = await store.get(name);
      if (stored === undefined || stored.manifest.version !== manifest.version) {
        throw modelUnavailable(name, `version ${manifest.version} is no longer in the store`);
      }
      const [pixels, labels] = await Promise.all([
        registry.references.images(manifest, stored.read),
        registry.references.labels(manifest, stored.read),
      ]);
      const label = reference.classNames[labels[index]!]!;
      const wanted = accepts(c, {
        header: 'Accept',
        supports: [PNG_MEDIA_TYPE, JSON_MEDIA_TYPE],
        default: PNG_MEDIA_TYPE,
      });
      if (wanted === JSON_MEDIA_TYPE) {
        const image = Array.from(referenceImage(pixels, index));
        return c.json({ model: name, version: manifest.version, index, label, image }, 200, headers);
      }
      const png = encodePng({
        width: IMAGE_SIDE,
        height: IMAGE_SIDE,
        channels: 1,
        depth: 8,
        data: pixels.slice(index * IMAGE_SIDE * IMAGE_SIDE, (index + 1) * IMAGE_SIDE * IMAGE_SIDE),
      });
      return c.body(png.slice(), 200, {
        ...headers,
        'Content-Type': PNG_MEDIA_TYPE,
        'X-Reference-Label': label,
      });
    })
    .all('/v1/models/:name/reference/:index', methodNotAllowed(['GET']));
}

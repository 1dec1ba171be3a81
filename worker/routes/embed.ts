// POST /v1/embed {model?, images} → {model, version, dims, embeddings}: the encoder's code h for each image.
import { Hono } from 'hono';
import { jsonBody } from '../http/json-body';
import { methodNotAllowed } from '../http/method-not-allowed';
import { ImageBatchRequestSchema } from '../schemas/requests';
import type { ModelRegistry } from '../serving/model-registry';
import { runImagePipeline } from '../serving/pipeline';

export function embedRoutes(registry: ModelRegistry): Hono {
  return new Hono()
    .post('/v1/embed', jsonBody(ImageBatchRequestSchema), async (c) => {
      const { manifest, outputs } = await runImagePipeline(
        registry,
        'embed',
        ['embedding'],
        c.req.valid('json'),
      );
      const embeddings = outputs['embedding']!;
      return c.json({
        model: manifest.name,
        version: manifest.version,
        dims: embeddings[0]?.length ?? 0,
        embeddings,
      });
    })
    .all('/v1/embed', methodNotAllowed(['POST']));
}

// POST /v1/embed {model?, images} → {model, version, dims, embeddings}: the encoder's code h = f(x).
import { z } from '@hono/zod-openapi';
import { readImageRequest } from '../http/image-request';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype } from '../schemas/answer';
import type { ModelRegistry } from '../serving/model-registry';
import { roleOutput, runImagePipeline, servedBy } from '../serving/pipeline';
import { imageRoute } from './image-route';

export const EmbedAnswerSchema = z
  .object({ ...answeredByDtype, dims: z.number().int(), embeddings: z.array(z.array(z.number())) })
  .openapi('EmbedAnswer');

const route = imageRoute({
  path: '/v1/embed',
  summary: 'Embed images',
  description: "Each image's embedding: the encoder's code h = f(x) (output role `embedding`)",
  answer: EmbedAnswerSchema,
  float32: 'N×dims embeddings',
});

export function embedRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const request = await readImageRequest(c, c.req.valid('json'), c.req.valid('query'));
      const result = await runImagePipeline(registry, 'embed', request);
      const { tensor } = roleOutput(result, 'embed', 'embedding');
      if (wantsFloat32(c)) return float32Response(c, result, result.count, tensor.data);
      const embeddings = batchToRows(tensor);
      return c.json({ ...servedBy(result), dims: embeddings[0]?.length ?? 0, embeddings }, 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

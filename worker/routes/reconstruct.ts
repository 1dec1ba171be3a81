// POST /v1/reconstruct {model?, images} → {model, version, images, mse}: the decoder's x̂ = g(f(x)) and
// the reconstruction loss per image, mean((x − x̂)²) over the 784 pixels (the autoencoder lecture's L_rec).
import { z } from '@hono/zod-openapi';
import { readImageRequest } from '../http/image-request';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype, ImageRowsSchema } from '../schemas/answer';
import { reconstructionAnswer } from '../serving/answers';
import type { ModelRegistry } from '../serving/model-registry';
import { roleOutput, runImagePipeline, servedBy } from '../serving/pipeline';
import { imageRoute } from './image-route';

export const ReconstructAnswerSchema = z
  .object({
    ...answeredByDtype,
    images: ImageRowsSchema,
    mse: z.array(z.number()).openapi({ description: 'mean((x − x̂)²) over the 784 pixels, per image' }),
  })
  .openapi('ReconstructAnswer');

const route = imageRoute({
  path: '/v1/reconstruct',
  summary: 'Reconstruct images',
  description: 'x̂ = g(f(x)) for each image (output role `reconstruction`) and its reconstruction error',
  answer: ReconstructAnswerSchema,
  float32: 'N×784 reconstructions (no mse)',
});

export function reconstructRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const request = await readImageRequest(c, c.req.valid('json'), c.req.valid('query'));
      const result = await runImagePipeline(registry, 'reconstruct', request);
      const { tensor } = roleOutput(result, 'reconstruct', 'reconstruction');
      if (wantsFloat32(c)) return float32Response(c, result, result.count, tensor.data);
      return c.json(
        { ...servedBy(result), ...reconstructionAnswer(request.images, batchToRows(tensor)) },
        200,
      );
    })
    .all(route.path, methodNotAllowed(['POST']));
}

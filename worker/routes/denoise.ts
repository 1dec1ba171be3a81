// POST /v1/denoise {model?, images} → {model, version, images}: a denoising autoencoder's estimate of
// the clean x from a corrupted x̃ (trained on (x̃, x) pairs; output role `denoised`).
import { z } from '@hono/zod-openapi';
import { readImageRequest } from '../http/image-request';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype, ImageRowsSchema } from '../schemas/answer';
import type { ModelRegistry } from '../serving/model-registry';
import { roleOutput, runImagePipeline, servedBy } from '../serving/pipeline';
import { imageRoute } from './image-route';

export const DenoiseAnswerSchema = z
  .object({ ...answeredByDtype, images: ImageRowsSchema })
  .openapi('DenoiseAnswer');

const route = imageRoute({
  path: '/v1/denoise',
  summary: 'Denoise images',
  description:
    'The clean image a denoising autoencoder estimates for each (noisy) image (output role `denoised`)',
  answer: DenoiseAnswerSchema,
  float32: 'N×784 denoised images',
});

export function denoiseRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const request = await readImageRequest(c, c.req.valid('json'), c.req.valid('query'));
      const result = await runImagePipeline(registry, 'denoise', request);
      const { tensor } = roleOutput(result, 'denoise', 'denoised');
      if (wantsFloat32(c)) return float32Response(c, result, result.count, tensor.data);
      return c.json({ ...servedBy(result), images: batchToRows(tensor) }, 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

// POST /v1/reconstruct {model?, images} → {model, version, images, mse}: the decoder's x̂ = g(f(x)) and
// the reconstruction loss per image, mean((x − x̂)²) over the 784 pixels (the autoencoder lecture's L_rec).
import { Hono } from 'hono';
import { jsonBody } from '../http/json-body';
import { methodNotAllowed } from '../http/method-not-allowed';
import { ImageBatchRequestSchema } from '../schemas/requests';
import type { ModelRegistry } from '../serving/model-registry';
import { runImagePipeline } from '../serving/pipeline';

export function reconstructRoutes(registry: ModelRegistry): Hono {
  return new Hono()
    .post('/v1/reconstruct', jsonBody(ImageBatchRequestSchema), async (c) => {
      const request = c.req.valid('json');
      const { manifest, outputs } = await runImagePipeline(
        registry,
        'reconstruct',
        ['reconstruction'],
        request,
      );
      const images = outputs['reconstruction']!;
      return c.json({
        model: manifest.name,
        version: manifest.version,
        images,
        mse: images.map((reconstruction, i) => meanSquaredError(request.images[i]!, reconstruction)),
      });
    })
    .all('/v1/reconstruct', methodNotAllowed(['POST']));
}

export function meanSquaredError(x: readonly number[], reconstruction: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i]! - reconstruction[i]!) ** 2;
  return sum / x.length;
}

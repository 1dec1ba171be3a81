// POST /v1/generate {model?, count, seed?} → {model, version, seed, images}: samples h ~ N(0, I) and
// decodes it with a VAE's decoder p_dec(x|h) (the stochastic-autoencoder lecture). The same seed and
// model version give the same images; the answer carries the seed it used.
import { createRoute, z } from '@hono/zod-openapi';
import { priorSample } from '../contract/rng';
import { acceptBodies, FLOAT32_MEDIA_TYPE, JSON_MEDIA_TYPE } from '../http/media-type';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype, ImageRowsSchema } from '../schemas/answer';
import { MODEL_ERROR_RESPONSES } from '../schemas/errors';
import { Float32ImagesBodySchema, GenerateRequestSchema } from '../schemas/requests';
import { rowsPerRun } from '../serving/memory-budget';
import type { ModelRegistry } from '../serving/model-registry';

export const GenerateAnswerSchema = z
  .object({ ...answeredByDtype, seed: z.number().int(), images: ImageRowsSchema })
  .openapi('GenerateAnswer');

const route = createRoute({
  method: 'post',
  path: '/v1/generate',
  tags: ['models'],
  summary: 'Generate images',
  description:
    "Decodes `count` latent codes drawn from the VAE's prior N(0, I) with its decoder graph (manifest.generator)",
  middleware: [acceptBodies([JSON_MEDIA_TYPE])] as const,
  request: { body: { required: true, content: { [JSON_MEDIA_TYPE]: { schema: GenerateRequestSchema } } } },
  responses: {
    200: {
      description: 'The generated images',
      content: {
        [JSON_MEDIA_TYPE]: { schema: GenerateAnswerSchema },
        [FLOAT32_MEDIA_TYPE]: {
          schema: Float32ImagesBodySchema.openapi({
            description: 'With Accept: application/octet-stream: count×784 images, float32 little-endian',
          }),
        },
      },
    },
    ...MODEL_ERROR_RESPONSES,
  },
});

export function generateRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const { model: requested, dtype: wanted, count, seed = randomSeed() } = c.req.valid('json');
      const { manifest, generator, dtype } = await registry.forGenerator(requested, wanted);
      const { session, spec } = generator;
      const { name: latentName, dims } = spec.latent;
      // h ~ N(0, I): the prior the VAE's KL term pulls q(h|x) toward, drawn with the contract's seeded RNG.
      const codes = priorSample(count, dims, seed);
      const results = await session.run(
        { [latentName]: { data: codes, dims: [count, dims] } },
        { maxRows: rowsPerRun([spec.output.shape]) },
      );
      const images = results[spec.output.name]!;
      if (wantsFloat32(c)) return float32Response(c, { manifest, dtype }, count, images.data);
      return c.json(
        { model: manifest.name, version: manifest.version, dtype, seed, images: batchToRows(images) },
        200,
      );
    })
    .all(route.path, methodNotAllowed(['POST']));
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

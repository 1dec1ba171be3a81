// POST /v1/jigsaw {model?, images} → {model, version, predictions, restored}: the jigsaw pretext task.
// The model scores the 24 tile permutations of worker/contract/jigsaw.ts (role `permutationProbabilities`,
// or `permutationLogits` through softmax); `restored` puts each image's tiles back by the best one.
import { z } from '@hono/zod-openapi';
import { readImageRequest } from '../http/image-request';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype, ImageRowsSchema } from '../schemas/answer';
import { jigsawAnswer, probabilitiesOf } from '../serving/answers';
import type { ModelRegistry } from '../serving/model-registry';
import { roleOutput, runImagePipeline, servedBy } from '../serving/pipeline';
import { imageRoute } from './image-route';

export const JigsawAnswerSchema = z
  .object({
    ...answeredByDtype,
    predictions: z.array(
      z.object({
        permutation: z
          .array(z.number().int())
          .length(4)
          .openapi({
            description: 'Tile p[k] of the original (2×2 grid, row-major) is at position k of the input',
            example: [1, 0, 3, 2],
          }),
        probability: z.number(),
      }),
    ),
    restored: ImageRowsSchema.openapi({ description: 'Each input with its tiles put back' }),
  })
  .openapi('JigsawAnswer');

const route = imageRoute({
  path: '/v1/jigsaw',
  summary: 'Solve 2×2 jigsaw puzzles',
  description:
    'The most probable of the 24 permutations of the 2×2 tiles of each image, and the image restored',
  answer: JigsawAnswerSchema,
  float32: 'N×24 permutation probabilities (lexicographic order of the permutations)',
});

export function jigsawRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const request = await readImageRequest(c, c.req.valid('json'), c.req.valid('query'));
      const result = await runImagePipeline(registry, 'jigsaw', request);
      const { role, tensor } = roleOutput(result, 'jigsaw', 'permutationProbabilities', 'permutationLogits');
      const rows = probabilitiesOf(role, batchToRows(tensor));
      if (wantsFloat32(c)) return float32Response(c, result, result.count, Float32Array.from(rows.flat()));
      return c.json({ ...servedBy(result), ...jigsawAnswer(request.images, rows) }, 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

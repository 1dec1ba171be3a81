// POST /v1/rotation {model?, images} → {model, version, predictions, upright}: the RotNet pretext task.
// The model scores the 4 rotations (role `rotationProbabilities`, or `rotationLogits` through softmax,
// shape [4] in the order of ROTATION_ANGLES); `upright` is each input turned back by its predicted
// angle, computed here exactly (a permutation of pixels, no model involved).
import { z } from '@hono/zod-openapi';
import { readImageRequest } from '../http/image-request';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype, ImageRowsSchema } from '../schemas/answer';
import { probabilitiesOf, rotationAnswer } from '../serving/answers';
import type { ModelRegistry } from '../serving/model-registry';
import { roleOutput, runImagePipeline, servedBy } from '../serving/pipeline';
import { imageRoute } from './image-route';

export const RotationAnswerSchema = z
  .object({
    ...answeredByDtype,
    predictions: z.array(
      z.object({
        angle: z
          .union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)])
          .openapi({ description: 'Degrees counter-clockwise the upright image was turned' }),
        probabilities: z
          .array(z.number())
          .length(4)
          .openapi({ description: 'Of 0°, 90°, 180°, 270°, in that order' }),
      }),
    ),
    upright: ImageRowsSchema.openapi({ description: 'Each input turned back by its predicted angle' }),
  })
  .openapi('RotationAnswer');

const route = imageRoute({
  path: '/v1/rotation',
  summary: 'Predict the rotation of images',
  description:
    'Which of 0°, 90°, 180°, 270° (counter-clockwise) each image was turned by, and the image turned back',
  answer: RotationAnswerSchema,
  float32: 'N×4 rotation probabilities (0°, 90°, 180°, 270°)',
});

export function rotationRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const request = await readImageRequest(c, c.req.valid('json'), c.req.valid('query'));
      const result = await runImagePipeline(registry, 'rotation', request);
      const { role, tensor } = roleOutput(result, 'rotation', 'rotationProbabilities', 'rotationLogits');
      const rows = probabilitiesOf(role, batchToRows(tensor));
      if (wantsFloat32(c)) return float32Response(c, result, result.count, Float32Array.from(rows.flat()));
      return c.json({ ...servedBy(result), ...rotationAnswer(request.images, rows) }, 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

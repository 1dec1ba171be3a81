// POST /v1/classify {model?, images} → {model, version, predictions}: a downstream probe on frozen
// self-supervised features ("not as much labelled data"). Role `probabilities`, or `logits` through
// softmax; labels are the manifest's `classNames`, else the class index as a string.
import { z } from '@hono/zod-openapi';
import { readImageRequest } from '../http/image-request';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype } from '../schemas/answer';
import { classifyAnswer, probabilitiesOf } from '../serving/answers';
import type { ModelRegistry } from '../serving/model-registry';
import { roleOutput, runImagePipeline, servedBy } from '../serving/pipeline';
import { imageRoute } from './image-route';

export const ClassifyAnswerSchema = z
  .object({
    ...answeredByDtype,
    predictions: z.array(
      z.object({
        label: z.string().openapi({ description: 'The most probable class', example: '7' }),
        probabilities: z.array(z.number()).openapi({ description: 'Of every class, in the model’s order' }),
      }),
    ),
  })
  .openapi('ClassifyAnswer');

const route = imageRoute({
  path: '/v1/classify',
  summary: 'Classify images',
  description: 'The class of each image by a probe trained on frozen self-supervised features',
  answer: ClassifyAnswerSchema,
  float32: 'N×C class probabilities',
});

export function classifyRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const request = await readImageRequest(c, c.req.valid('json'), c.req.valid('query'));
      const result = await runImagePipeline(registry, 'classify', request);
      const { role, tensor } = roleOutput(result, 'classify', 'probabilities', 'logits');
      const rows = probabilitiesOf(role, batchToRows(tensor));
      if (wantsFloat32(c)) return float32Response(c, result, result.count, Float32Array.from(rows.flat()));
      const { classNames } = result.manifest;
      return c.json({ ...servedBy(result), predictions: classifyAnswer(rows, classNames) }, 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

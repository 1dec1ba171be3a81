// POST /v1/cluster {model?, images} → {model, version, clusters, distances}: k-means' hypothesis
// argminⱼ ‖x − μⱼ‖² (on pixels or on an encoder's embedding). The model outputs the squared distances
// to the k centroids (role `distances`, shape [k]) and may output the assignment itself (role `cluster`,
// int64 or float, shape [] or [1]); without it the assignment is the argmin of the distances.
import { z } from '@hono/zod-openapi';
import { readImageRequest } from '../http/image-request';
import { methodNotAllowed } from '../http/method-not-allowed';
import { float32Response, wantsFloat32 } from '../http/octet-stream';
import { routesApp } from '../http/routes-app';
import { batchToRows } from '../runtime/preprocess';
import { answeredByDtype } from '../schemas/answer';
import { clusterAnswer } from '../serving/answers';
import type { ModelRegistry } from '../serving/model-registry';
import { roleOutput, runImagePipeline, servedBy } from '../serving/pipeline';
import { imageRoute } from './image-route';

export const ClusterAnswerSchema = z
  .object({
    ...answeredByDtype,
    clusters: z.array(z.number().int().nonnegative()).openapi({ description: 'Cluster index per image' }),
    distances: z
      .array(z.array(z.number()))
      .openapi({ description: 'Squared distance of each image to each of the k centroids' }),
  })
  .openapi('ClusterAnswer');

const route = imageRoute({
  path: '/v1/cluster',
  summary: 'Assign images to clusters',
  description: 'The nearest k-means centroid of each image and its squared distances to all k centroids',
  answer: ClusterAnswerSchema,
  float32: 'N×k squared distances to the centroids',
});

export function clusterRoutes(registry: ModelRegistry) {
  return routesApp()
    .openapi(route, async (c) => {
      const request = await readImageRequest(c, c.req.valid('json'), c.req.valid('query'));
      const result = await runImagePipeline(registry, 'cluster', request);
      const { tensor } = roleOutput(result, 'cluster', 'distances');
      if (wantsFloat32(c)) return float32Response(c, result, result.count, tensor.data);
      const answer = clusterAnswer(batchToRows(tensor), result.outputs['cluster']?.data);
      return c.json({ ...servedBy(result), ...answer }, 200);
    })
    .all(route.path, methodNotAllowed(['POST']));
}

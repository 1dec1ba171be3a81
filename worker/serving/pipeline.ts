// The steps every image endpoint shares (as transformers.js pipelines): prepare the model for the
// task, preprocess the images into a batch, run, and pick the outputs by the roles the manifest names.
import { modelUnavailable } from '../http/api-error';
import { batchToRows, imagesToBatch } from '../runtime/preprocess';
import type { Manifest, Task } from '../schemas/manifest';
import type { ImageBatchRequest } from '../schemas/requests';
import type { ModelRegistry } from './model-registry';

export interface PipelineResult {
  manifest: Manifest;
  /** Output rows per role, e.g. { embedding: number[N][32] }. */
  outputs: Record<string, number[][]>;
}

export async function runImagePipeline(
  registry: ModelRegistry,
  task: Task,
  roles: readonly string[],
  request: ImageBatchRequest,
): Promise<PipelineResult> {
  const { manifest, session } = await registry.forTask(task, request.model);
  const outputNames = roles.map((role) => outputNameFor(manifest, task, role));
  const results = await session.run({ [manifest.input.name]: imagesToBatch(request.images) });
  const outputs: Record<string, number[][]> = {};
  roles.forEach((role, i) => {
    outputs[role] = batchToRows(results[outputNames[i]!]!);
  });
  return { manifest, outputs };
}

/** Output names are read from the manifest, never hard-coded: exporters may name graph outputs freely. */
function outputNameFor(manifest: Manifest, task: Task, role: string): string {
  const output = manifest.outputs[role];
  if (output === undefined) {
    throw modelUnavailable(manifest.name, `it lists task "${task}" but its manifest has no "${role}" output`);
  }
  return output.name;
}

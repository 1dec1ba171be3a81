// The steps every image endpoint shares (as transformers.js pipelines): prepare the model for the
// task, stack the images into one batch, run, and pick outputs by the roles the manifest names.

import type { Dtype, Manifest, Task } from '../contract/manifest';
import { modelUnavailable } from '../http/api-error';
import type { Float32Tensor } from '../runtime/model-session';
import { imagesToBatch } from '../runtime/preprocess';
import { rowsPerRun } from './memory-budget';
import type { ModelRegistry } from './model-registry';

/** What a route hands the pipeline: validated images (JSON, base64 or float32 alike) and a model name. */
export interface ImageRequest {
  model?: string | undefined;
  /** Which precision answers (default fp32). */
  dtype?: Dtype;
  images: readonly Float32Array[];
}

export interface PipelineResult {
  manifest: Manifest;
  dtype: Dtype;
  /** Images in the batch (the first dimension of every output). */
  count: number;
  /** The graph's outputs by role ("embedding", "reconstruction", …), for each role the manifest lists. */
  outputs: Record<string, Float32Tensor>;
}

export async function runImagePipeline(
  registry: ModelRegistry,
  task: Task,
  request: ImageRequest,
): Promise<PipelineResult> {
  const { manifest, session, dtype } = await registry.forTask(task, request.model, request.dtype);
  const results = await session.run(
    { [manifest.input.name]: imagesToBatch(request.images) },
    { maxRows: rowsPerRun(Object.values(manifest.outputs).map((o) => o.shape)) },
  );
  const outputs: Record<string, Float32Tensor> = {};
  for (const [role, output] of Object.entries(manifest.outputs)) {
    const tensor = results[output.name];
    if (tensor !== undefined) outputs[role] = tensor;
  }
  return { manifest, dtype, count: request.images.length, outputs };
}

/** What every image answer starts with: the model, its version and the precision that answered. */
export function servedBy({ manifest, dtype }: Pick<PipelineResult, 'manifest' | 'dtype'>) {
  return { model: manifest.name, version: manifest.version, dtype };
}

/**
 * The output in the first of `roles` the model has. Output names are read from the manifest, never
 * hard-coded; a model that lists the task but lacks every role is misconfigured: 503, not a 500.
 */
export function roleOutput(
  { manifest, outputs }: PipelineResult,
  task: Task,
  ...roles: string[]
): { role: string; tensor: Float32Tensor } {
  for (const role of roles) {
    const tensor = outputs[role];
    if (tensor !== undefined) return { role, tensor };
  }
  const wanted = roles.map((role) => `"${role}"`).join(' or ');
  throw modelUnavailable(manifest.name, `it lists task "${task}" but its manifest has no ${wanted} output`);
}

// Nearest neighbours of each image in a model's reference index (issue 18): prepare the model (its
// sessions and its index, ./reference-index.ts), embed the images with its graph, and search the index
// exactly (worker/contract/reference-index.ts), naming each neighbour's class.
import type { Dtype, Manifest } from '../contract/manifest';
import { nearestNeighbors } from '../contract/reference-index';
import { ApiError, modelUnavailable } from '../http/api-error';
import { imagesToBatch } from '../runtime/preprocess';
import { type NamedNeighbor, neighborsAnswer } from './answers';
import type { ModelRegistry } from './model-registry';
import type { ImageRequest } from './pipeline';

export interface NeighborsAnswer {
  model: string;
  version: string;
  dtype: Dtype;
  neighbors: NamedNeighbor[][];
}

/**
 * The model that answers `neighbors` for a request, before anything is opened: a model without a
 * reference index is a 400 that names the models that have one (and says how to build one).
 */
export async function requireReference(
  registry: ModelRegistry,
  requested: string | undefined,
): Promise<Manifest> {
  const name = requested ?? (await registry.index()).defaults.neighbors;
  if (name !== undefined) {
    const manifest = await registry.manifest(name); // 404 unknown, 503 unreadable
    if (manifest.reference !== undefined && manifest.tasks.includes('neighbors')) return manifest;
  }
  const withIndex = (await registry.manifests()).filter((m) => m.reference !== undefined).map((m) => m.name);
  const which = withIndex.length === 0 ? 'no model has one' : `models with one: ${withIndex.join(', ')}`;
  const subject =
    name === undefined ? 'No default model for "neighbors"' : `Model "${name}" has no reference index`;
  throw new ApiError(400, 'unsupported_task', `${subject}; ${which} (npm run models:index builds one)`);
}

export async function findNeighbors(
  registry: ModelRegistry,
  request: ImageRequest,
  k: number,
): Promise<NeighborsAnswer> {
  await requireReference(registry, request.model);
  // `dtype` chooses the graph that embeds the queries; the index is the one the float graph built.
  const model = await registry.forTask('neighbors', request.model, request.dtype);
  const { manifest, dtype } = model;
  // The version that answers may be an older one (the registry's fallback), without an index.
  if (model.reference === undefined) throw modelUnavailable(manifest.name, 'it has no reference index');
  const index = await model.reference();
  const output = manifest.outputs['embedding'];
  if (output === undefined) throw modelUnavailable(manifest.name, 'its manifest has no "embedding" output');
  const results = await model.session.run({ [manifest.input.name]: imagesToBatch(request.images) });
  const embeddings = results[output.name];
  if (embeddings === undefined) throw modelUnavailable(manifest.name, `its graph gave no "${output.name}"`);
  const found = nearestNeighbors(index.vectors, embeddings.data, k);
  return {
    model: manifest.name,
    version: manifest.version,
    dtype,
    neighbors: neighborsAnswer(found, index.labels, index.reference.classNames),
  };
}

// Where models come from. The worker asks a store for the index and for one model at a time; the
// bundled store reads what wrangler packed into the worker, a later R2 store will read a bucket.
import type { Manifest, ModelIndex } from '../schemas/manifest';

export interface StoredModel {
  manifest: Manifest;
  /** The model.onnx bytes, not yet checked against `manifest.onnx.sha256`. */
  bytes: ArrayBuffer;
  /** The generator graph's bytes (`manifest.generator.file`), for models that can generate. */
  generatorBytes?: ArrayBuffer | undefined;
  /** A text model's vocab.json as parsed JSON (`manifest.input.tokenizer`), not yet checked. */
  vocab?: unknown;
}

export interface ModelStore {
  /** models/index.json: the model names and each task's default model. */
  list(): Promise<ModelIndex>;
  /**
   * undefined when the store has no such model; rejects with a 503 ApiError when it has the model
   * but cannot serve it (e.g. its manifest fails ManifestSchema).
   */
  get(name: string): Promise<StoredModel | undefined>;
}

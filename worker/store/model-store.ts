// Where models come from. The worker asks a store for the index and for one model at a time; the
// bundled store reads what was deployed with the worker, the R2 store reads a bucket.
import type { Manifest, ModelIndex } from '../contract/manifest';

export interface StoredModel {
  manifest: Manifest;
  /**
   * Reads one of the model's graphs (`manifest.onnx.file`, `manifest.generator.file`), not yet checked
   * against its sha256. Lazy, so listing models reads no graph; rejects with a 503 ApiError when the
   * store has no such file.
   */
  read(file: string): Promise<ArrayBuffer>;
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

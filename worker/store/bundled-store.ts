// The models committed under models/ and bundled into the worker by wrangler (the embedded default).
// bundled-models.generated.ts imports them statically, because wrangler cannot bundle dynamic paths.
import { modelUnavailable } from '../http/api-error';
import { toIssues } from '../schemas/issues';
import { ManifestSchema, type ModelIndex, ModelIndexSchema } from '../schemas/manifest';
import type { ModelStore, StoredModel } from './model-store';

/** The raw bundle: JSON as imported (validated here, not trusted) and model.onnx as a Data module. */
export interface BundledModels {
  index: unknown;
  models: Readonly<
    Record<string, { manifest: unknown; onnx: ArrayBuffer; generator?: ArrayBuffer; vocab?: unknown }>
  >;
}

export class BundledStore implements ModelStore {
  readonly #bundle: BundledModels;
  #index: ModelIndex | undefined;

  constructor(bundle: BundledModels) {
    this.#bundle = bundle;
  }

  async list(): Promise<ModelIndex> {
    // An invalid index is a build mistake (bundle-models.ts validates it), so it fails loudly as a 500.
    this.#index ??= ModelIndexSchema.parse(this.#bundle.index);
    return this.#index;
  }

  async get(name: string): Promise<StoredModel | undefined> {
    if (!Object.hasOwn(this.#bundle.models, name)) return undefined;
    const entry = this.#bundle.models[name]!;
    const parsed = ManifestSchema.safeParse(entry.manifest);
    if (!parsed.success) {
      const problems = toIssues(parsed.error, 'manifest').map((issue) => `${issue.path}: ${issue.message}`);
      throw modelUnavailable(
        name,
        `its manifest.json does not match the manifest schema (${problems.join('; ')})`,
      );
    }
    if (parsed.data.name !== name) {
      throw modelUnavailable(name, `its manifest.json names a different model, "${parsed.data.name}"`);
    }
    return { manifest: parsed.data, bytes: entry.onnx, generatorBytes: entry.generator, vocab: entry.vocab };
  }
}

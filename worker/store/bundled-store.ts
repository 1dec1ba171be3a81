// The models committed under models/ and deployed with the worker (the embedded default): manifests,
// the index and vocabularies are bundled into the script (bundled-models.generated.ts imports them
// statically, because wrangler cannot bundle dynamic paths); the graphs are static assets, read on first
// use through a ModelFileReader (./model-files.ts), except the small default models' graphs, which are
// in the script too so that their sessions can be created before the first request (preloadable()).

import { ManifestSchema, type ModelIndex, ModelIndexSchema } from '../contract/manifest';
import { modelUnavailable } from '../http/api-error';
import { toIssues } from '../schemas/issues';
import type { ModelFileReader } from './model-files';
import type { ModelStore, StoredModel } from './model-store';

/** The raw bundle: JSON as imported (validated here, not trusted), and the graphs bundled in the script. */
export interface BundledModels {
  index: unknown;
  models: Readonly<
    Record<string, { manifest: unknown; vocab?: unknown; graphs?: Readonly<Record<string, ArrayBuffer>> }>
  >;
}

export class BundledStore implements ModelStore {
  readonly #bundle: BundledModels;
  readonly #files: ModelFileReader;
  #index: ModelIndex | undefined;
  /** Each model checked once: the bundle never changes, so its manifests are parsed on first use only. */
  readonly #models = new Map<string, StoredModel>();

  constructor(bundle: BundledModels, files: ModelFileReader) {
    this.#bundle = bundle;
    this.#files = files;
  }

  async list(): Promise<ModelIndex> {
    // An invalid index is a build mistake (bundle-models.ts validates it), so it fails loudly as a 500.
    this.#index ??= ModelIndexSchema.parse(this.#bundle.index);
    return this.#index;
  }

  async get(name: string): Promise<StoredModel | undefined> {
    if (!Object.hasOwn(this.#bundle.models, name)) return undefined;
    let model = this.#models.get(name);
    if (model === undefined) {
      model = this.#open(name);
      this.#models.set(name, model);
    }
    return model;
  }

  /** A bundled model's manifest, checked (a 503 when it fails), and its reader. */
  #open(name: string): StoredModel {
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
    const read = async (file: string) => {
      const inScript = entry.graphs?.[file];
      if (inScript !== undefined) return inScript;
      let bytes: ArrayBuffer | undefined;
      try {
        bytes = await this.#files(name, file);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw modelUnavailable(name, `${file} cannot be read: ${reason}`, error);
      }
      if (bytes === undefined) {
        throw modelUnavailable(name, `${file} was not deployed with the worker (the build copies it)`);
      }
      return bytes;
    };
    return { manifest: parsed.data, read, vocab: entry.vocab };
  }

  /**
   * The models whose graphs are all in the script: they can be opened without I/O, so the worker
   * creates their sessions when its isolate starts. One that fails to load is left out (its first
   * request then reports why).
   */
  async preloadable(): Promise<StoredModel[]> {
    const models: StoredModel[] = [];
    for (const [name, entry] of Object.entries(this.#bundle.models)) {
      if (entry.graphs === undefined) continue;
      const stored = await this.get(name).catch(() => undefined);
      if (stored !== undefined) models.push(stored);
    }
    return models;
  }
}

// Which model answers a request: resolves names and task defaults against the store's index, opens the
// version the store names (./open-model.ts: bytes, sessions and the model's own checks), and caches it per
// name + version. A model that cannot be opened is unavailable (503); the others keep serving.
//
// Hot swap (issue 9, ./served-versions.ts): a request keeps the version it started with, so in-flight
// requests finish on the old one. A new version that fails to open does not take over: the version this
// isolate served before keeps serving, and one log line says why. The serving and the previous version
// stay open (a rollback is instant); older ones are released once their queued runs are done.
import type { Manifest, ModelIndex, Task } from '../contract/manifest';
import { ApiError, modelNotFound, modelUnavailable } from '../http/api-error';
import type { Backend, ModelRuntime } from '../runtime/model-runtime';
import { SessionCache, sessionKey } from '../runtime/session-cache';
import type { ModelStore, StoredModel } from '../store/model-store';
import { type OpenedModel, openModel, type ServableModel, type SessionTiming } from './open-model';
import { ReferenceMemory } from './reference-index';
import { ServedVersions } from './served-versions';

export type { ServableModel, SessionTiming } from './open-model';

export class ModelRegistry {
  readonly runtime: ModelRuntime;
  /** The reference indexes and images this isolate holds (issue 18), and what they cost in memory. */
  readonly references = new ReferenceMemory();
  readonly #store: ModelStore;
  readonly #opened = new SessionCache<OpenedModel>();
  readonly #timings: SessionTiming[] = [];
  readonly #served = new ServedVersions();

  constructor(store: ModelStore, runtime: ModelRuntime) {
    this.#store = store;
    this.runtime = runtime;
  }

  /** The backend that really runs the models (reported by /healthz). */
  get backend(): Backend {
    return this.runtime.backend;
  }

  /**
   * Opens `models` ahead of any request, one after the other, in the cache the requests use: a request
   * for one of these versions then finds it ready. A failure is not cached, so the first request for
   * that model retries and reports it.
   */
  async preload(models: readonly StoredModel[]): Promise<void> {
    for (const stored of models) await this.#open(stored).catch(() => undefined);
  }

  /** The sessions created so far in this isolate and what each cost, oldest first. */
  sessionTimings(): readonly SessionTiming[] {
    return this.#timings;
  }

  index(): Promise<ModelIndex> {
    return this.#store.list();
  }

  /** 404 for a name the index does not list; 503 when the store cannot serve it. */
  async manifest(name: string): Promise<Manifest> {
    return (await this.#load(name)).manifest;
  }

  /** The manifests of every model that can be read; an unreadable one is logged and left out. */
  async manifests(): Promise<Manifest[]> {
    const { models } = await this.index();
    const manifests: Manifest[] = [];
    for (const name of models) {
      try {
        manifests.push(await this.manifest(name));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        console.error(`GET /v1/models leaves out "${name}": ${error.message}`);
      }
    }
    return manifests;
  }

  /** The model that answers `task`: the requested one, else the task's default from the index. */
  async forTask(task: Task, requested?: string): Promise<ServableModel> {
    const stored = await this.#resolve(task, requested);
    let opened: OpenedModel;
    try {
      opened = await this.#open(stored);
      // A reference index is opened on the first search, inside this fallback: a version whose index is
      // broken leaves the version served before answering, as a broken graph does.
      if (task === 'neighbors') await opened.reference?.();
    } catch (error) {
      const { name, version } = stored.manifest;
      return this.#open(this.#served.fallback(name, version, error));
    }
    for (const retired of this.#served.record(stored)) {
      this.#opened.evict(sessionKey(retired.manifest.name, retired.manifest.version));
    }
    return opened;
  }

  /** A model that can generate, with its decoder graph (opened and checked with the model). */
  async forGenerator(
    requested?: string,
  ): Promise<ServableModel & Required<Pick<ServableModel, 'generator'>>> {
    const model = await this.forTask('generate', requested);
    const { generator } = model;
    // The open step refuses a model that lists "generate" without a generator; this only narrows the type.
    if (generator === undefined) throw modelUnavailable(model.manifest.name, 'it has no generator graph');
    return { ...model, generator };
  }

  #open(stored: StoredModel): Promise<OpenedModel> {
    const key = sessionKey(stored.manifest.name, stored.manifest.version);
    return this.#opened.get(key, async () =>
      this.references.attach(await openModel(stored, this.runtime, this.#timings), stored),
    );
  }

  async #resolve(task: Task, requested: string | undefined): Promise<StoredModel> {
    const index = await this.index();
    const name = requested ?? index.defaults[task];
    if (name === undefined) {
      throw new ApiError(
        400,
        'unsupported_task',
        `No default model for "${task}"; ${await this.#whoCan(task)}`,
      );
    }
    const stored = await this.#load(name);
    if (!stored.manifest.tasks.includes(task)) {
      throw new ApiError(
        400,
        'unsupported_task',
        `Model "${name}" cannot ${task}; ${await this.#whoCan(task)}`,
      );
    }
    return stored;
  }

  async #load(name: string): Promise<StoredModel> {
    const { models } = await this.index();
    if (!models.includes(name)) throw modelNotFound(name, models);
    let stored: StoredModel | undefined;
    try {
      stored = await this.#store.get(name);
    } catch (error) {
      // e.g. the new version's manifest fails the schema: the version served before stays.
      return this.#served.fallback(name, undefined, error);
    }
    if (stored === undefined) throw modelNotFound(name, models);
    return stored;
  }

  async #whoCan(task: Task): Promise<string> {
    const capable = (await this.manifests()).filter((m) => m.tasks.includes(task)).map((m) => m.name);
    return capable.length === 0 ? `no model can` : `models that can: ${capable.join(', ')}`;
  }
}

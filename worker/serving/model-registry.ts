// Which model answers a request: resolves names and task defaults against the store's index, opens the
// version the store names (./open-model.ts: bytes, sessions and the model's own checks), and caches it per
// name + version. A model that cannot be opened is unavailable (503); the others keep serving.
//
// Hot swap (issue 9, ./served-versions.ts): a request keeps the version it started with, so in-flight
// requests finish on the old one. A new version that fails to open does not take over: the version this
// isolate served before keeps serving, and one log line says why. The serving and the previous version
// stay open (a rollback is instant); older ones are released once their queued runs are done.
//
// Precision (`dtype`): each version opens per dtype, fp32 from its graphs and q8 from the variant its
// manifest names; a model without that variant is a 400. Memory (./memory-budget.ts): the open versions
// live in a pool under the memory budget, least recently used released first (./session-pool.ts).
import {
  DEFAULT_DTYPE,
  DTYPES,
  type Dtype,
  type Manifest,
  type ModelIndex,
  type Task,
} from '../contract/manifest';
import { ApiError, modelNotFound, modelUnavailable } from '../http/api-error';
import type { Backend, ModelRuntime } from '../runtime/model-runtime';
import type { ModelStore, StoredModel } from '../store/model-store';
import { DEFAULT_MEMORY_BUDGET_MIB, mib, REFERENCE_BYTES, RESERVED_BYTES } from './memory-budget';
import {
  type OpenedModel,
  openModel,
  type ServableModel,
  type SessionTiming,
  versionCharge,
  versionKey,
} from './open-model';
import { ReferenceMemory, type ReferenceUsage } from './reference-index';
import { ServedVersions } from './served-versions';
import { OverBudgetError, SessionPool } from './session-pool';

export type { ServableModel, SessionTiming } from './open-model';

/** What /healthz says about memory. */
export interface MemoryReport {
  budgetBytes: number;
  reservedBytes: number;
  /** The charges of the open versions (what the budget counts). */
  chargedBytes: number;
  /** ORT's WebAssembly heap now; undefined without one (onnxruntime-node). */
  wasmHeapBytes: number | undefined;
  /** Versions released to make room so far. */
  evictions: number;
  /** The reference indexes, images and labels held, under their share of the budget (REFERENCE_BYTES). */
  references: ReferenceUsage;
}

/** How the budget is shared; `referenceBytes` is REFERENCE_BYTES unless an app (a test) says otherwise. */
export interface MemoryOptions {
  budgetBytes?: number;
  referenceBytes?: number;
}

export class ModelRegistry {
  readonly runtime: ModelRuntime;
  /** The reference indexes and images this isolate holds (issue 18), under their share of the budget. */
  readonly references: ReferenceMemory;
  readonly #store: ModelStore;
  readonly #budgetBytes: number;
  readonly #referenceBytes: number;
  readonly #pool: SessionPool<OpenedModel>;
  readonly #served = new ServedVersions();

  /**
   * `budgetBytes`: ORT_MEMORY_BUDGET_MIB (./memory-budget.ts), by default 64 MiB: RESERVED_BYTES for ORT's
   * own heap, `referenceBytes` for reference data, the rest for sessions.
   */
  constructor(
    store: ModelStore,
    runtime: ModelRuntime,
    {
      budgetBytes = DEFAULT_MEMORY_BUDGET_MIB * 2 ** 20,
      referenceBytes = REFERENCE_BYTES,
    }: MemoryOptions = {},
  ) {
    this.#store = store;
    this.runtime = runtime;
    this.#budgetBytes = budgetBytes;
    this.#referenceBytes = Math.min(referenceBytes, Math.max(0, budgetBytes - RESERVED_BYTES));
    this.references = new ReferenceMemory(this.#referenceBytes, budgetBytes);
    this.#pool = new SessionPool(Math.max(0, budgetBytes - RESERVED_BYTES - this.#referenceBytes));
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
    for (const stored of models) await this.#open(stored, DEFAULT_DTYPE).catch(() => undefined);
  }

  /** The sessions open now and what each cost, least recently used first. */
  sessions(): SessionTiming[] {
    return this.#pool.open().flatMap(({ value }) => value.sessions);
  }

  memory(): MemoryReport {
    return {
      budgetBytes: this.#budgetBytes,
      reservedBytes: RESERVED_BYTES,
      chargedBytes: this.#pool.charged,
      wasmHeapBytes: this.runtime.wasmHeapBytes?.(),
      evictions: this.#pool.evictions,
      references: this.references.usage(),
    };
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

  /**
   * The model that answers `task`: the requested one, else the task's default from the index, in the
   * precision asked for (fp32 unless `dtype` says q8).
   */
  async forTask(task: Task, requested?: string, dtype: Dtype = DEFAULT_DTYPE): Promise<ServableModel> {
    const stored = await this.#resolve(task, requested);
    if (versionCharge(stored.manifest, dtype) === undefined) {
      throw new ApiError(
        400,
        'unsupported_dtype',
        `Model "${stored.manifest.name}" has no "${dtype}" variant; ${await this.#whoHas(task, dtype)}`,
      );
    }
    let opened: OpenedModel;
    try {
      opened = await this.#open(stored, dtype);
      // A reference index is opened on the first search, inside this fallback: a version whose index is
      // broken leaves the version served before answering, as a broken graph does.
      if (task === 'neighbors') await opened.reference?.();
    } catch (error) {
      const { name, version } = stored.manifest;
      const previous = this.#served.fallback(name, version, error);
      if (versionCharge(previous.manifest, dtype) === undefined) throw error;
      return this.#open(previous, dtype);
    }
    for (const retired of this.#served.record(stored)) {
      const { name, version } = retired.manifest;
      for (const precision of DTYPES) void this.#pool.evict(versionKey(name, version, precision));
      this.references.forget(name, version);
    }
    return opened;
  }

  /** A model that can generate, with its decoder graph (opened and checked with the model). */
  async forGenerator(
    requested?: string,
    dtype: Dtype = DEFAULT_DTYPE,
  ): Promise<ServableModel & Required<Pick<ServableModel, 'generator'>>> {
    const model = await this.forTask('generate', requested, dtype);
    const { generator } = model;
    // The open step refuses a model that lists "generate" without a generator; this only narrows the type.
    if (generator === undefined) throw modelUnavailable(model.manifest.name, 'it has no generator graph');
    return { ...model, generator };
  }

  /** Opens (or finds open) `stored` in `dtype` in the pool; 503 when it cannot fit the memory budget. */
  async #open(stored: StoredModel, dtype: Dtype): Promise<OpenedModel> {
    const { name, version } = stored.manifest;
    const charge = versionCharge(stored.manifest, dtype) ?? 0;
    try {
      return await this.#pool.get(versionKey(name, version, dtype), charge, async () =>
        this.#withReference(await openModel(stored, this.runtime, dtype), stored),
      );
    } catch (error) {
      if (!(error instanceof OverBudgetError)) throw error;
      throw modelUnavailable(
        name,
        `its ${dtype} sessions need ${mib(charge)} of ORT's memory, more than the memory budget leaves for ` +
          `sessions: ${mib(this.#pool.available)} of ORT_MEMORY_BUDGET_MIB = ${this.#budgetBytes / 2 ** 20} ` +
          `(${mib(RESERVED_BYTES)} are reserved for ORT's own heap and for running a batch, ` +
          `${mib(this.#referenceBytes)} for reference indexes and images)`,
      );
    }
  }

  /** A version with a reference index searches it through the reference pool (opened on first use). */
  #withReference(opened: OpenedModel, stored: StoredModel): OpenedModel {
    if (stored.manifest.reference === undefined) return opened;
    return { ...opened, reference: () => this.references.index(stored.manifest, stored.read) };
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

  async #whoHas(task: Task, dtype: Dtype): Promise<string> {
    const capable = (await this.manifests())
      .filter((m) => m.tasks.includes(task) && versionCharge(m, dtype) !== undefined)
      .map((m) => m.name);
    return capable.length === 0
      ? `no model that can ${task} has one`
      : `models that can ${task} in ${dtype}: ${capable.join(', ')}`;
  }

  async #whoCan(task: Task): Promise<string> {
    const capable = (await this.manifests()).filter((m) => m.tasks.includes(task)).map((m) => m.name);
    return capable.length === 0 ? `no model can` : `models that can: ${capable.join(', ')}`;
  }
}

// Which model answers a request, and its session: resolves names and task defaults against the
// store's index, checks a model's bytes against its manifest before the first session, and caches
// sessions per name + version. A model that fails a check is unavailable (503); the others keep serving.
//
// Hot swap (issue 9): the store may name a new version of a model at any time (R2's `current` pointer).
// A request keeps the session it started with, so in-flight requests finish on the old version. A new
// version that fails its checks does not take over: the version this isolate served before keeps
// serving, and one log line says why. Sessions of the serving and the previous version stay cached
// (a rollback is instant); older ones are released once their queued runs are done.

import type { Manifest, ModelIndex, Task } from '../contract/manifest';
import { ApiError, modelNotFound, modelUnavailable } from '../http/api-error';
import type { Backend, ModelRuntime } from '../runtime/model-runtime';
import type { ModelSession } from '../runtime/model-session';
import { SessionCache, sessionKey } from '../runtime/session-cache';
import type { ModelStore, StoredModel } from '../store/model-store';
import { sha256Hex } from '../store/sha256';

export interface ServableModel {
  manifest: Manifest;
  session: ModelSession;
  /** A text model's vocab.json, as the store holds it (checked by worker/text/text-model.ts). */
  vocab?: unknown;
}

/** How long one session took to become ready: the cold-start cost a first request pays for it. */
export interface SessionTiming {
  /** name@version, with `#generator` for a generator graph. */
  session: string;
  /** Reading the graph from its store (a static asset, an R2 object). */
  readMs: number;
  /** Checking the bytes against the manifest's sha256. */
  sha256Ms: number;
  /** ORT's InferenceSession.create (the first one also instantiates ORT's wasm). */
  createMs: number;
}

export class ModelRegistry {
  readonly runtime: ModelRuntime;
  readonly #store: ModelStore;
  readonly #sessions = new SessionCache<ModelSession>();
  readonly #timings: SessionTiming[] = [];
  /** Per model, the versions this isolate has served, the one serving now last. */
  readonly #served = new Map<string, StoredModel[]>();
  /** The refusals already logged, so a broken version is reported once, not on every request. */
  readonly #logged = new Set<string>();

  constructor(store: ModelStore, runtime: ModelRuntime) {
    this.#store = store;
    this.runtime = runtime;
  }

  /** The backend that really runs the models (reported by /healthz). */
  get backend(): Backend {
    return this.runtime.backend;
  }

  /**
   * Creates the main sessions of `models` ahead of any request, one after the other, in the same cache
   * the requests use (name@version): a request for one of these versions then finds its session ready.
   * A failure is not cached, so the first request for that model retries and reports it.
   */
  async preload(models: readonly StoredModel[]): Promise<void> {
    for (const stored of models) {
      const key = sessionKey(stored.manifest.name, stored.manifest.version);
      await this.#sessions.get(key, () => this.#createSession(key, stored)).catch(() => undefined);
    }
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
    return this.#swapSafely(await this.#resolve(task, requested), async (stored) => {
      const { manifest } = stored;
      const key = sessionKey(manifest.name, manifest.version);
      const session = await this.#sessions.get(key, () => this.#createSession(key, stored));
      return { manifest, session, vocab: stored.vocab };
    });
  }

  /**
   * The decoder graph of a model that can generate (manifest.generator): a second ONNX file whose input
   * is a latent code z [N, dims] and whose output is an image [N, 784]. Cached apart from the main graph.
   */
  async forGenerator(requested?: string): Promise<ServableModel & { generator: Generator }> {
    return this.#swapSafely(await this.#resolve('generate', requested), (stored) =>
      this.#generatorOf(stored),
    );
  }

  async #generatorOf(stored: StoredModel): Promise<ServableModel & { generator: Generator }> {
    const { manifest } = stored;
    const generator = manifest.generator;
    if (generator === undefined) {
      throw modelUnavailable(manifest.name, `it lists task "generate" but its manifest has no "generator"`);
    }
    const key = `${sessionKey(manifest.name, manifest.version)}#generator`;
    const session = await this.#sessions.get(key, async () => {
      const created = await this.#checkedSession(key, stored, generator);
      checkGraphNames(manifest.name, created, generator.latent.name, { generated: generator.output.name });
      return created;
    });
    return { manifest, session, generator };
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
      return this.#previousOr(name, undefined, error);
    }
    if (stored === undefined) throw modelNotFound(name, models);
    return stored;
  }

  /** Opens `stored`; if it is unavailable (503), falls back to the version this isolate served before. */
  async #swapSafely<T>(stored: StoredModel, open: (stored: StoredModel) => Promise<T>): Promise<T> {
    let opened: T;
    try {
      opened = await open(stored);
    } catch (error) {
      const previous = this.#previousOr(stored.manifest.name, stored.manifest.version, error);
      return open(previous);
    }
    this.#markServed(stored);
    return opened;
  }

  /** The version served before, unless there is none (or it is the failing one): then `error` stands. */
  #previousOr(name: string, failing: string | undefined, error: unknown): StoredModel {
    const previous = this.#served.get(name)?.at(-1);
    const isUnavailable = error instanceof ApiError && error.status === 503;
    if (!isUnavailable || previous === undefined || previous.manifest.version === failing) throw error;
    const line = `Model "${name}" stays on version ${previous.manifest.version}: ${error.message}`;
    if (!this.#logged.has(line)) {
      if (this.#logged.size >= 256) this.#logged.clear();
      this.#logged.add(line);
      console.error(line);
    }
    return previous;
  }

  /** Records the version that answered; a swap releases the sessions of versions two or more swaps old. */
  #markServed(stored: StoredModel): void {
    const { name, version } = stored.manifest;
    const served = this.#served.get(name) ?? [];
    if (served.at(-1)?.manifest.version === version) return;
    const history = [...served.filter((s) => s.manifest.version !== version), stored];
    for (const retired of history.splice(0, Math.max(0, history.length - 2))) {
      const key = sessionKey(name, retired.manifest.version);
      this.#sessions.evict(key);
      this.#sessions.evict(`${key}#generator`);
    }
    this.#served.set(name, history);
  }

  async #whoCan(task: Task): Promise<string> {
    const capable = (await this.manifests()).filter((m) => m.tasks.includes(task)).map((m) => m.name);
    return capable.length === 0 ? `no model can` : `models that can: ${capable.join(', ')}`;
  }

  async #createSession(key: string, stored: StoredModel): Promise<ModelSession> {
    const { manifest } = stored;
    const session = await this.#checkedSession(key, stored, manifest.onnx);
    const outputs = Object.fromEntries(Object.entries(manifest.outputs).map(([role, o]) => [role, o.name]));
    checkGraphNames(manifest.name, session, manifest.input.name, outputs);
    return session;
  }

  /**
   * A session for one of the model's graphs, once its bytes match their sha256 in the manifest; any
   * failure (a missing file too) is a 503 for this model only.
   */
  async #checkedSession(
    key: string,
    stored: StoredModel,
    graph: { file: string; sha256: string },
  ): Promise<ModelSession> {
    const { name } = stored.manifest;
    const started = performance.now();
    const bytes = await stored.read(graph.file);
    const read = performance.now();
    const actual = await sha256Hex(bytes);
    const hashed = performance.now();
    if (actual !== graph.sha256) {
      throw modelUnavailable(
        name,
        `the sha256 of ${graph.file} is ${actual}, but its manifest says ${graph.sha256}`,
      );
    }
    try {
      const session = await this.runtime.createSession(bytes);
      const createMs = performance.now() - hashed;
      this.#timings.push({ session: key, readMs: read - started, sha256Ms: hashed - read, createMs });
      return session;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw modelUnavailable(name, `onnxruntime cannot load ${graph.file}: ${reason}`, error);
    }
  }
}

export type Generator = NonNullable<Manifest['generator']>;

/** The manifest names the graph's input and outputs; a mismatch would otherwise fail every request. */
function checkGraphNames(
  name: string,
  session: ModelSession,
  input: string,
  outputsByRole: Readonly<Record<string, string>>,
): void {
  if (!session.inputNames.includes(input)) {
    const graphInputs = session.inputNames.join(', ');
    throw modelUnavailable(name, `its graph has no input "${input}" (graph inputs: ${graphInputs})`);
  }
  for (const [role, output] of Object.entries(outputsByRole)) {
    if (!session.outputNames.includes(output)) {
      const graphOutputs = session.outputNames.join(', ');
      throw modelUnavailable(
        name,
        `its graph has no output "${output}" for role "${role}" (graph outputs: ${graphOutputs})`,
      );
    }
  }
}

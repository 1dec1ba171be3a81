// Which model answers a request, and its session: resolves names and task defaults against the
// store's index, checks a model's bytes against its manifest before the first session, and caches
// sessions per name + version. A model that fails a check is unavailable (503); the others keep serving.
import { ApiError, modelNotFound, modelUnavailable } from '../http/api-error';
import type { Device } from '../runtime/execution-providers';
import { ModelSession } from '../runtime/model-session';
import { SessionCache, sessionKey } from '../runtime/session-cache';
import type { Manifest, ModelIndex, Task } from '../schemas/manifest';
import type { ModelStore, StoredModel } from '../store/model-store';
import { sha256Hex } from '../store/sha256';

export interface ServableModel {
  manifest: Manifest;
  session: ModelSession;
}

export class ModelRegistry {
  readonly device: Device;
  readonly #store: ModelStore;
  readonly #sessions = new SessionCache<ModelSession>();

  constructor(store: ModelStore, device: Device) {
    this.#store = store;
    this.device = device;
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
    const { manifest } = stored;
    const session = await this.#sessions.get(sessionKey(manifest.name, manifest.version), () =>
      this.#createSession(stored),
    );
    return { manifest, session };
  }

  /**
   * The decoder graph of a model that can generate (manifest.generator): a second ONNX file whose input
   * is a latent code z [N, dims] and whose output is an image [N, 784]. Cached apart from the main graph.
   */
  async forGenerator(requested?: string): Promise<ServableModel & { generator: Generator }> {
    const stored = await this.#resolve('generate', requested);
    const { manifest, generatorBytes } = stored;
    const generator = manifest.generator;
    if (generator === undefined || generatorBytes === undefined) {
      const missing =
        generator === undefined ? 'its manifest has no "generator"' : `${generator.file} is not bundled`;
      throw modelUnavailable(manifest.name, `it lists task "generate" but ${missing}`);
    }
    const key = `${sessionKey(manifest.name, manifest.version)}#generator`;
    const session = await this.#sessions.get(key, async () => {
      const created = await this.#checkedSession(manifest.name, generator, generatorBytes);
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
    const stored = models.includes(name) ? await this.#store.get(name) : undefined;
    if (stored === undefined) throw modelNotFound(name, models);
    return stored;
  }

  async #whoCan(task: Task): Promise<string> {
    const capable = (await this.manifests()).filter((m) => m.tasks.includes(task)).map((m) => m.name);
    return capable.length === 0 ? `no model can` : `models that can: ${capable.join(', ')}`;
  }

  async #createSession({ manifest, bytes }: StoredModel): Promise<ModelSession> {
    const session = await this.#checkedSession(manifest.name, manifest.onnx, bytes);
    const outputs = Object.fromEntries(Object.entries(manifest.outputs).map(([role, o]) => [role, o.name]));
    checkGraphNames(manifest.name, session, manifest.input.name, outputs);
    return session;
  }

  /** A session for bytes that match their sha256 in the manifest; any failure is a 503 for this model only. */
  async #checkedSession(
    name: string,
    graph: { file: string; sha256: string },
    bytes: ArrayBuffer,
  ): Promise<ModelSession> {
    const actual = await sha256Hex(bytes);
    if (actual !== graph.sha256) {
      throw modelUnavailable(
        name,
        `the sha256 of ${graph.file} is ${actual}, but its manifest says ${graph.sha256}`,
      );
    }
    try {
      return await ModelSession.create(bytes, this.device);
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

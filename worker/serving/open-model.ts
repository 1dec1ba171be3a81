// Opening one version of a model: its graphs read, checked against their sha256 and made sessions, and the
// model's own checks (./model-checks.ts) passed: task outputs, graph names and shapes, the generator
// graph, the vocabulary. Only a version that opens whole is ever served; any failure is a 503.
import type { Manifest } from '../contract/manifest';
import type { Tokenizer } from '../contract/tokenizer';
import { modelUnavailable } from '../http/api-error';
import type { ModelRuntime } from '../runtime/model-runtime';
import type { ModelSession } from '../runtime/model-session';
import { sessionKey } from '../runtime/session-cache';
import type { StoredModel } from '../store/model-store';
import { sha256Hex } from '../store/sha256';
import {
  checkedTokenizer,
  checkGeneratorGraph,
  checkMainGraph,
  checkTaskOutputs,
  type GeneratorSpec,
} from './model-checks';
import type { ReferenceIndex } from './reference-index';

/** A model ready to answer: its checked sessions, and what else its tasks need. */
export interface ServableModel {
  manifest: Manifest;
  session: ModelSession;
  /** The decoder graph of a model that can generate (manifest.generator): z [N, dims] → images [N, 784]. */
  generator?: { spec: GeneratorSpec; session: ModelSession };
  /** A text model's tokenizer, built from its checked vocab.json. */
  tokenizer?: Tokenizer;
  /** The reference index of a model with one (manifest.reference), opened on first use (./reference-index.ts). */
  reference?: () => Promise<ReferenceIndex>;
}

export interface OpenedModel extends ServableModel {
  /** Frees the version's sessions once the runs already queued on them are done. */
  release(): Promise<void>;
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

export async function openModel(
  stored: StoredModel,
  runtime: ModelRuntime,
  timings: SessionTiming[],
): Promise<OpenedModel> {
  const { manifest } = stored;
  checkTaskOutputs(manifest);
  // The vocabulary first: it costs a hash, a session costs ORT's graph loading.
  const tokenizer =
    manifest.input.layout === 'token-ids'
      ? await checkedTokenizer(manifest, manifest.input, stored.vocab)
      : undefined;
  const key = sessionKey(manifest.name, manifest.version);
  const sessions: ModelSession[] = [];
  const release = async () => {
    await Promise.all(sessions.map((session) => session.release()));
  };
  const open = async (sessionName: string, graph: { file: string; sha256: string }) => {
    const session = await checkedSession(sessionName, stored, graph, runtime, timings);
    sessions.push(session);
    return session;
  };
  try {
    const session = await open(key, manifest.onnx);
    await checkMainGraph(manifest, session);
    const opened: OpenedModel = { manifest, session, release };
    if (tokenizer !== undefined) opened.tokenizer = tokenizer;
    const generator = manifest.generator;
    if (generator !== undefined) {
      const generatorSession = await open(`${key}#generator`, generator);
      await checkGeneratorGraph(manifest, generator, generatorSession);
      opened.generator = { spec: generator, session: generatorSession };
    }
    return opened;
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
}

/**
 * A session for one of the model's graphs, once its bytes match their sha256 in the manifest; any
 * failure (a missing file too) is a 503 for this model only.
 */
async function checkedSession(
  key: string,
  stored: StoredModel,
  graph: { file: string; sha256: string },
  runtime: ModelRuntime,
  timings: SessionTiming[],
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
    const session = await runtime.createSession(bytes);
    const createMs = performance.now() - hashed;
    timings.push({ session: key, readMs: read - started, sha256Ms: hashed - read, createMs });
    return session;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw modelUnavailable(name, `onnxruntime cannot load ${graph.file}: ${reason}`, error);
  }
}

// Opening one version of a model: its graphs read, checked against their sha256 and made sessions, and the
// model's own checks (./model-checks.ts) passed: task outputs, graph names and shapes, the generator
// graph, the vocabulary. Only a version that opens whole is ever served; any failure is a 503.
import { type Dtype, graphsFor, type Manifest } from '../contract/manifest';
import type { Tokenizer } from '../contract/tokenizer';
import { modelUnavailable } from '../http/api-error';
import type { ModelRuntime } from '../runtime/model-runtime';
import type { ModelSession } from '../runtime/model-session';
import { sessionKey } from '../runtime/session-cache';
import type { StoredModel } from '../store/model-store';
import { sha256Hex } from '../store/sha256';
import { sessionCharge } from './memory-budget';
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
  /** Which precision's graphs these sessions run (fp32, or a variant such as q8). */
  dtype: Dtype;
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
  /** Each of its sessions: what creating it cost, and its memory. */
  sessions: SessionTiming[];
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
  /** What the memory budget charges for it (./memory-budget.ts). */
  chargedBytes: number;
  /** How much ORT's WebAssembly heap grew across its creation; 0 when it fit in memory ORT had free. */
  heapGrowthBytes: number | undefined;
}

/** The name of a version's session in /healthz: name@version, `#q8` for a variant, `#generator`. */
export function versionKey(name: string, version: string, dtype: Dtype): string {
  return dtype === 'fp32' ? sessionKey(name, version) : `${sessionKey(name, version)}#${dtype}`;
}

/** The memory budget's charge for opening `manifest` in `dtype`: one per graph; undefined without that dtype. */
export function versionCharge(manifest: Manifest, dtype: Dtype): number | undefined {
  const graphs = graphsFor(manifest, dtype);
  if (graphs === undefined) return undefined;
  return [graphs.onnx, graphs.generator].reduce((sum, g) => sum + (g ? sessionCharge(g.bytes) : 0), 0);
}

export async function openModel(
  stored: StoredModel,
  runtime: ModelRuntime,
  dtype: Dtype,
): Promise<OpenedModel> {
  const { manifest } = stored;
  checkTaskOutputs(manifest);
  const graphs = graphsFor(manifest, dtype);
  // The registry checks the dtype before opening; this only narrows the type.
  if (graphs === undefined) throw modelUnavailable(manifest.name, `it has no "${dtype}" variant`);
  // The vocabulary first: it costs a hash, a session costs ORT's graph loading.
  const tokenizer =
    manifest.input.layout === 'token-ids'
      ? await checkedTokenizer(manifest, manifest.input, stored.vocab)
      : undefined;
  const key = versionKey(manifest.name, manifest.version, dtype);
  const sessions: ModelSession[] = [];
  const timings: SessionTiming[] = [];
  const release = async () => {
    await Promise.all(sessions.map((session) => session.release()));
  };
  const open = async (sessionName: string, graph: { file: string; sha256: string; bytes: number }) => {
    const session = await checkedSession(sessionName, stored, graph, runtime, timings);
    sessions.push(session);
    return session;
  };
  try {
    const session = await open(key, graphs.onnx);
    await checkMainGraph(manifest, session);
    const opened: OpenedModel = { manifest, dtype, session, release, sessions: timings };
    if (tokenizer !== undefined) opened.tokenizer = tokenizer;
    const generator = manifest.generator;
    if (generator !== undefined && graphs.generator !== undefined) {
      const generatorSession = await open(`${key}#generator`, graphs.generator);
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
  graph: { file: string; sha256: string; bytes: number },
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
    const heapBefore = runtime.wasmHeapBytes?.();
    const session = await runtime.createSession(bytes);
    const createMs = performance.now() - hashed;
    const heapAfter = runtime.wasmHeapBytes?.();
    timings.push({
      session: key,
      readMs: read - started,
      sha256Ms: hashed - read,
      createMs,
      chargedBytes: sessionCharge(graph.bytes),
      // The first session also instantiates ORT (heapBefore undefined): that growth is ORT's, not its.
      heapGrowthBytes:
        heapBefore === undefined || heapAfter === undefined ? undefined : heapAfter - heapBefore,
    });
    return session;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw modelUnavailable(name, `onnxruntime cannot load ${graph.file}: ${reason}`, error);
  }
}

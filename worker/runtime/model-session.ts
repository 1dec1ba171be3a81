// One ONNX model ready to run: an ORT InferenceSession, its run queue, and the check that every
// run is fed exactly the graph's inputs.
import { executionProvidersFor } from './execution-providers';
import { handOffWasmToOrt, ort } from './ort';
import { RunQueue } from './run-queue';

/** A float32 tensor as plain data: what callers hand in and get back, no ORT types. */
export interface Float32Tensor {
  data: Float32Array;
  dims: readonly number[];
}

export class ModelSession {
  readonly #session: ort.InferenceSession;
  readonly #queue = new RunQueue();

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async create(bytes: ArrayBuffer, device: string): Promise<ModelSession> {
    const executionProviders = [...executionProvidersFor(device)];
    handOffWasmToOrt();
    // A copy: ORT may keep or transfer the buffer, and the bundled bytes are shared by every session.
    const session = await ort.InferenceSession.create(new Uint8Array(bytes.slice(0)), { executionProviders });
    return new ModelSession(session);
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.#session.outputNames;
  }

  /** Feeds must name every graph input and nothing else; a missing one is named in the error. */
  run(feeds: Readonly<Record<string, Float32Tensor>>): Promise<Record<string, Float32Tensor>> {
    const missing = this.inputNames.filter((name) => !Object.hasOwn(feeds, name));
    if (missing.length > 0) {
      const expected = this.inputNames.join(', ');
      return Promise.reject(
        new Error(`Missing input(s) ${quoteAll(missing)}; the model expects: ${expected}`),
      );
    }
    const unknown = Object.keys(feeds).filter((name) => !this.inputNames.includes(name));
    if (unknown.length > 0) {
      const expected = this.inputNames.join(', ');
      return Promise.reject(
        new Error(`Unknown input(s) ${quoteAll(unknown)}; the model expects: ${expected}`),
      );
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor('float32', tensor.data, [...tensor.dims]);
    }
    return this.#queue.enqueue(async () => {
      const results = await this.#session.run(ortFeeds);
      const outputs: Record<string, Float32Tensor> = {};
      for (const [name, tensor] of Object.entries(results)) {
        outputs[name] = { data: asFloat32(name, tensor), dims: tensor.dims };
      }
      return outputs;
    });
  }
}

/**
 * Integer outputs (k-means' int64 cluster index) become float32 like every other output: exact for
 * |v| < 2²⁴, far beyond any class or cluster count; other types are a model bug.
 */
function asFloat32(name: string, tensor: ort.Tensor): Float32Array {
  const { data } = tensor;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof Int32Array) return Float32Array.from(data, Number);
  throw new Error(`Output "${name}" is ${tensor.type}, not float32, int32 or int64`);
}

function quoteAll(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

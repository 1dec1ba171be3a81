// One ONNX model ready to run: an ORT InferenceSession, its run queue, and the check that every
// run is fed exactly the graph's inputs. Runtime-neutral: the session and its Tensor class come from
// whichever ORT package created it (onnxruntime-web in the worker, onnxruntime-node in the benchmark),
// which share onnxruntime-common's types.
import type { InferenceSession, Tensor } from 'onnxruntime-web/wasm';
import { RunQueue } from './run-queue';

/** A float32 tensor as plain data: what callers hand in and get back, no ORT types. */
export interface Float32Tensor {
  data: Float32Array;
  dims: readonly number[];
}

/** The Tensor constructor of the ORT package that created the session (`ort.Tensor`). */
export type TensorClass = new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;

export class ModelSession {
  readonly #session: InferenceSession;
  readonly #Tensor: TensorClass;
  readonly #queue = new RunQueue();

  constructor(session: InferenceSession, Tensor: TensorClass) {
    this.#session = session;
    this.#Tensor = Tensor;
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
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      ortFeeds[name] = new this.#Tensor('float32', tensor.data, [...tensor.dims]);
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

  /** Frees ORT's memory for this graph after the runs already queued; later runs would fail. */
  release(): Promise<void> {
    return this.#queue.enqueue(() => this.#session.release());
  }
}

/**
 * Integer outputs (k-means' int64 cluster index) become float32 like every other output: exact for
 * |v| < 2²⁴, far beyond any class or cluster count; other types are a model bug.
 */
function asFloat32(name: string, tensor: Tensor): Float32Array {
  const { data } = tensor;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof Int32Array) return Float32Array.from(data, Number);
  throw new Error(`Output "${name}" is ${tensor.type}, not float32, int32 or int64`);
}

function quoteAll(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

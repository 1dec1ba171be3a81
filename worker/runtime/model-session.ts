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

export interface RunOptions {
  /**
   * Runs at most this many rows (the first dimension of every input) at once, and stitches the outputs
   * back together: ORT holds a run's activations in its heap until the run ends, and that heap never
   * shrinks, so bounding a run's rows bounds its memory (worker/serving/memory-budget.ts). Every row is
   * computed on its own, so the answer does not change.
   */
  maxRows?: number;
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
  run(
    feeds: Readonly<Record<string, Float32Tensor>>,
    { maxRows = Number.POSITIVE_INFINITY }: RunOptions = {},
  ): Promise<Record<string, Float32Tensor>> {
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
    const rows = Math.min(...Object.values(feeds).map((t) => t.dims[0] ?? 1));
    const step = Math.max(1, Math.floor(maxRows));
    return this.#queue.enqueue(async () => {
      if (rows <= step) return this.#runRows(feeds, 0, rows);
      const parts: Record<string, Float32Tensor>[] = [];
      for (let start = 0; start < rows; start += step) {
        parts.push(await this.#runRows(feeds, start, Math.min(rows, start + step)));
      }
      return concatRows(parts);
    });
  }

  /** One ORT run on rows [start, end) of every input. */
  async #runRows(
    feeds: Readonly<Record<string, Float32Tensor>>,
    start: number,
    end: number,
  ): Promise<Record<string, Float32Tensor>> {
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, { data, dims }] of Object.entries(feeds)) {
      const [all = 1, ...rest] = dims;
      const width = data.length / all;
      const part = start === 0 && end === all ? data : data.subarray(start * width, end * width);
      ortFeeds[name] = new this.#Tensor(
        'float32',
        part,
        start === 0 && end === all ? [...dims] : [end - start, ...rest],
      );
    }
    const results = await this.#session.run(ortFeeds);
    const outputs: Record<string, Float32Tensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      outputs[name] = { data: asFloat32(name, tensor), dims: tensor.dims };
    }
    return outputs;
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

/** Outputs of consecutive row ranges as one batch: every output's first dimension is its rows. */
function concatRows(parts: readonly Record<string, Float32Tensor>[]): Record<string, Float32Tensor> {
  const outputs: Record<string, Float32Tensor> = {};
  for (const name of Object.keys(parts[0] ?? {})) {
    const pieces = parts.map((part) => part[name]!);
    const data = new Float32Array(pieces.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const piece of pieces) {
      data.set(piece.data, at);
      at += piece.data.length;
    }
    const [, ...rest] = pieces[0]!.dims;
    const rows = pieces.reduce((n, p) => n + (p.dims[0] ?? 0), 0);
    outputs[name] = { data, dims: [rows, ...rest] };
  }
  return outputs;
}

function quoteAll(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

// A fixed team of threads that run the training kernels together on one shared WebAssembly memory.
// The calling thread is member 0 and does its own share; members 1…n−1 are worker_threads, each
// with its own instance of the kernel module on the same memory. A call is synchronous: it writes
// the kernel's index and arguments into a small shared control block, wakes the workers, runs share
// 0 and waits until every worker has finished (Atomics.wait, which Node allows on the main thread).
// Kernels split work so that each output element is computed by one thread in a fixed order, so
// results do not depend on the thread count.
import { Worker } from 'node:worker_threads';

const GENERATION = 0;
const PENDING = 1;
const FUNCTION = 2;
const FAILED = 3;
const ARGC = 4;
const MAX_ARGS = 32;
const ARGS_OFFSET = 64;
const ERROR_OFFSET = ARGS_OFFSET + MAX_ARGS * 8;
const ERROR_BYTES = 1024;
/** Polls before sleeping: a kernel call is often microseconds after the previous one. */
const SPINS = 20_000;

// The workers' program, plain JavaScript so that it runs under any loader (tsx, vitest, node).
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { memory, module, control, names, index, threads } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const functions = names.map((name) => instance.exports[name]);
const ctrl = new Int32Array(control, 0, 16);
const args = new Float64Array(control, ${ARGS_OFFSET}, ${MAX_ARGS});
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctrl, ${GENERATION}) === seen) {
    if (++spins > ${SPINS}) { Atomics.wait(ctrl, ${GENERATION}, seen); spins = 0; }
  }
  seen = Atomics.load(ctrl, ${GENERATION});
  const fn = ctrl[${FUNCTION}];
  if (fn < 0) break;
  try {
    functions[fn](index, threads, ...Array.from(args.subarray(0, ctrl[${ARGC}])));
  } catch (error) {
    const text = new TextEncoder().encode(String((error && error.stack) || error)).subarray(0, ${ERROR_BYTES} - 1);
    const out = new Uint8Array(control, ${ERROR_OFFSET}, ${ERROR_BYTES});
    out.fill(0);
    out.set(text);
    Atomics.store(ctrl, ${FAILED}, 1);
  }
  if (Atomics.sub(ctrl, ${PENDING}, 1) === 1) Atomics.notify(ctrl, ${PENDING});
}
`;

type KernelFunction = (t: number, threads: number, ...args: number[]) => void;

export class KernelThreadError extends Error {
  override name = 'KernelThreadError';
}

export class KernelThreads<Name extends string> {
  readonly #ctrl: Int32Array;
  readonly #args: Float64Array;
  readonly #workers: Worker[];
  readonly #functions: KernelFunction[];
  readonly #index: Map<Name, number>;
  readonly #errorText: Uint8Array;
  #disposed = false;

  private constructor(
    readonly threads: number,
    readonly exports: WebAssembly.Exports,
    names: readonly Name[],
    control: SharedArrayBuffer,
    workers: Worker[],
  ) {
    this.#ctrl = new Int32Array(control, 0, 16);
    this.#args = new Float64Array(control, ARGS_OFFSET, MAX_ARGS);
    this.#workers = workers;
    this.#functions = names.map((n) => {
      const fn = exports[n];
      if (typeof fn !== 'function') throw new Error(`the kernel module exports no function "${n}"`);
      return fn as KernelFunction;
    });
    this.#index = new Map(names.map((n, i) => [n, i]));
    this.#errorText = new Uint8Array(control, ERROR_OFFSET, ERROR_BYTES);
  }

  /** Instantiates `module` on `memory` here and in threads − 1 workers. */
  static async start<Name extends string>(
    memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    names: readonly Name[],
    threads: number,
  ): Promise<KernelThreads<Name>> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const control = new SharedArrayBuffer(ERROR_OFFSET + ERROR_BYTES);
    const workers = await Promise.all(
      Array.from({ length: threads - 1 }, (_, i) => {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { memory, module, control, names, index: i + 1, threads },
        });
        return new Promise<Worker>((resolve, reject) => {
          worker.once('message', () => resolve(worker));
          worker.once('error', reject);
        });
      }),
    );
    for (const w of workers) w.unref();
    return new KernelThreads(threads, instance.exports, names, control, workers);
  }

  /** Runs kernel `name` on every thread with these arguments; returns when all are done. */
  run(name: Name, args: readonly number[]): void {
    if (this.#disposed) throw new KernelThreadError('the kernel threads were disposed');
    const fn = this.#index.get(name);
    if (fn === undefined) throw new KernelThreadError(`unknown kernel ${name}`);
    if (args.length > MAX_ARGS) throw new KernelThreadError(`${name}: more than ${MAX_ARGS} arguments`);
    if (this.threads === 1) {
      this.#functions[fn]!(0, 1, ...args);
      return;
    }
    const ctrl = this.#ctrl;
    this.#args.set(args);
    ctrl[FUNCTION] = fn;
    ctrl[ARGC] = args.length;
    Atomics.store(ctrl, FAILED, 0);
    Atomics.store(ctrl, PENDING, this.threads - 1);
    Atomics.add(ctrl, GENERATION, 1);
    Atomics.notify(ctrl, GENERATION);
    let mine: unknown;
    try {
      this.#functions[fn]!(0, this.threads, ...args);
    } catch (error) {
      mine = error;
    }
    let spins = 0;
    for (let pending = Atomics.load(ctrl, PENDING); pending !== 0; pending = Atomics.load(ctrl, PENDING)) {
      if (++spins > SPINS) Atomics.wait(ctrl, PENDING, pending, 10);
    }
    if (mine) throw mine;
    if (Atomics.load(ctrl, FAILED)) {
      const end = this.#errorText.indexOf(0);
      // TextDecoder refuses views of shared memory: copy first.
      const text = new TextDecoder().decode(this.#errorText.slice(0, end < 0 ? undefined : end));
      throw new KernelThreadError(`${name} failed in a worker thread: ${text}`);
    }
  }

  /** Stops the workers (they also never keep the process alive). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.threads === 1) return;
    this.#ctrl[FUNCTION] = -1;
    Atomics.add(this.#ctrl, GENERATION, 1);
    Atomics.notify(this.#ctrl, GENERATION);
    for (const w of this.#workers) void w.terminate();
  }
}

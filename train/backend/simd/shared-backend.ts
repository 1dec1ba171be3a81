// tfjs's WebAssembly backend on a shared memory, with a team of kernel threads on that memory.
// The stock wasm backend (tfjs-backend-wasm 4.22) runs single-threaded under Node: its threaded
// build expects browser workers. Here its SIMD binary is instantiated with its memory imported as
// a shared WebAssembly.Memory (see wasm-binary.ts), so every tensor lives where worker threads can
// reach it, and the project's training kernels (assembly/, compiled to kernels-*.wasm) run on
// those tensors in place, on all threads, registered as the backend's kernels (register.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNEL_BINARIES } from './binaries';
import { KernelThreads } from './threads';
import { importSharedMemory } from './wasm-binary';

/** The kernel module's entry points that run on the threads. */
export const KERNEL_NAMES = [
  'gemm',
  'convForward',
  'convFilterGrad',
  'convInputGrad',
  'bnStats',
  'bnApply',
  'bnGradSums',
  'bnGradApply',
  'columnSums',
  'columnSumsCombine',
  'adamUpdate',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** 4 GiB: the most a 32-bit WebAssembly memory can hold (address space is only reserved). */
const MAXIMUM_PAGES = 65536;

interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  tfjs?: unknown;
}

type WasmFactory = (config: {
  instantiateWasm: (
    imports: WebAssembly.Imports,
    done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => object;
}) => Promise<EmscriptenModule>;

/** Everything the registered kernels need: the backend, its memory and the threads. */
export interface SimdRuntime {
  readonly backend: BackendWasm;
  readonly memory: WebAssembly.Memory;
  readonly threads: KernelThreads<KernelName>;
  /** Which kernel binary runs: with relaxed-SIMD fused multiply-add, or plain SIMD. */
  readonly variant: keyof typeof KERNEL_BINARIES;
  /** Scratch memory of at least `bytes`, valid until the next call (kernels are synchronous). */
  scratch(bytes: number): number;
  /** A small block for argument structs (64 i32). */
  readonly args: number;
  /** Address of a tensor's data in the shared memory. */
  address(info: tf.TensorInfo): number;
  /** Int32 view of the argument block (recreated because the memory may have grown). */
  argsView(): Int32Array;
}

// (func (param v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))):
// validates only where relaxed SIMD is supported.
const RELAXED_SIMD_PROBE = Uint8Array.from([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 0, 32, 0,
  253, 133, 2, 11,
]);

export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

let runtime: Promise<SimdRuntime> | undefined;
let current: SimdRuntime | undefined;

/** The runtime when it is the active tfjs backend, else undefined (ops with a fallback ask this). */
export function activeSimdRuntime(): SimdRuntime | undefined {
  return current && tf.getBackend() === 'wasm' && tf.backend() === current.backend ? current : undefined;
}

/** The runtime once `startSimdBackend` has finished (kernels call this). */
export function simdRuntime(): SimdRuntime {
  if (!current) throw new Error('the shared-memory wasm backend is not started');
  return current;
}

async function createModule(memory: WebAssembly.Memory): Promise<EmscriptenModule> {
  const require = createRequire(import.meta.url);
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js') as WasmFactory;
  const binary = readFileSync(
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm'),
  );
  const patched = importSharedMemory(binary, MAXIMUM_PAGES);
  const module = await factory({
    instantiateWasm(imports, done) {
      (imports as { env: Record<string, unknown> }).env.memory = memory;
      const compiled = new WebAssembly.Module(patched);
      done(new WebAssembly.Instance(compiled, imports), compiled);
      return {};
    },
  });
  // The bindings tfjs-backend-wasm's own init() adds (backend_wasm.js).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

async function start(threads: number): Promise<SimdRuntime> {
  const variant: keyof typeof KERNEL_BINARIES = hasRelaxedSimd() ? 'relaxed' : 'simd128';
  const kernelModule = await WebAssembly.compile(readFileSync(KERNEL_BINARIES[variant]));
  const binary = readFileSync(
    createRequire(import.meta.url).resolve(
      '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm',
    ),
  );
  const { definedMemoryPages } = await import('./wasm-binary');
  const memory = new WebAssembly.Memory({
    initial: definedMemoryPages(binary),
    maximum: MAXIMUM_PAGES,
    shared: true,
  });
  const module = await createModule(memory);
  // Imported here, not at the top: importing the package registers the stock "wasm" backend at a
  // high priority, which would make tfjs wait for it in every process that merely imports this file.
  const { BackendWasm } = await import('@tensorflow/tfjs-backend-wasm');
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  const team = await KernelThreads.start(memory, kernelModule, KERNEL_NAMES, threads);
  let scratchPointer = 0;
  let scratchBytes = 0;
  const args = module._malloc(256);
  return {
    backend,
    memory,
    threads: team,
    variant,
    args,
    scratch(bytes) {
      if (bytes > scratchBytes) {
        if (scratchPointer) module._free(scratchPointer);
        scratchBytes = Math.ceil((bytes * 1.25) / 64) * 64;
        scratchPointer = module._malloc(scratchBytes) >>> 0;
        if (!scratchPointer) throw new Error(`out of memory: ${scratchBytes} bytes of kernel scratch`);
      }
      return scratchPointer;
    },
    address(info) {
      return backend.getMemoryOffset(info.dataId) >>> 0;
    },
    argsView() {
      return new Int32Array(memory.buffer, args, 64);
    },
  };
}

/**
 * Registers (once per process) the backend "wasm" as the shared-memory backend with `threads`
 * kernel threads, replacing the stock one, and makes it active.
 */
export async function startSimdBackend(threads: number): Promise<SimdRuntime> {
  if (!runtime) {
    runtime = start(threads).then((r) => {
      current = r;
      return r;
    });
    const r = await runtime;
    if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => r.backend, 2);
  }
  const r = await runtime;
  if (r.threads.threads !== threads)
    throw new Error(
      `the kernel threads were started with ${r.threads.threads} threads; this process asked for ${threads}`,
    );
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  return r;
}

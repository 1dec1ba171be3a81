// Chooses the fastest tfjs backend that works here, in the order of DESIGN.md:
// tfjs-node-gpu (when it loads and sees a GPU) → tfjs-node → wasm + the composed training
// kernels → cpu. tfjs-node(-gpu) are optional dependencies that cannot install everywhere; where
// they are absent, `import()` throws ERR_MODULE_NOT_FOUND and the next one is tried.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { registerSimdKernels } from './simd/register';
import { startSimdBackend } from './simd/shared-backend';

/** Threads of the wasm backend's kernels; set by --threads before the backend is chosen. */
let requestedThreads: number | undefined;
export function setWasmThreads(threads: number | undefined): void {
  requestedThreads = threads;
}
export function wasmThreads(): number {
  return requestedThreads ?? Math.max(1, availableParallelism());
}

export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * Loads one backend and makes it the active tfjs backend; resolves to why it is usable, or
 * throws why not (the message becomes the `why` of a skipped backend).
 */
export type BackendLoader = () => Promise<string>;
export type BackendLoaders = Readonly<Record<BackendName, BackendLoader>>;

export interface BackendChoice {
  name: BackendName;
  reason: string;
  skipped: { name: BackendName; why: string }[];
}

export interface SelectBackendOptions {
  /** Only this backend (the `--backend` flag); failing to load it is an error. */
  force?: BackendName;
  /** One line per decision; defaults to stderr. */
  log?: (line: string) => void;
  /** Replaces some loaders (tests simulate load failures and successes with it). */
  loaders?: Partial<BackendLoaders>;
}

/** Everything that can go wrong in choosing a backend. */
export class BackendError extends Error {
  override name = 'BackendError';
}

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/** For the CLI flag: the name, or an error listing the valid ones. */
export function parseBackendName(name: string): BackendName {
  if (!isBackendName(name)) {
    throw new BackendError(`Unsupported backend "${name}". Should be one of: ${BACKEND_NAMES.join(', ')}`);
  }
  return name;
}

async function activate(tfBackend: string): Promise<void> {
  // setBackend resolves false (and logs) when the backend's initialisation fails.
  if (!(await tf.setBackend(tfBackend)))
    throw new Error(`tf.setBackend('${tfBackend}') failed to initialise`);
  await tf.ready();
}

/** Both tfjs-node packages register the native backend under the name 'tensorflow'. */
async function loadTfjsNode(packageName: string): Promise<{ usingGpu: boolean }> {
  await import(/* @vite-ignore */ packageName);
  await activate('tensorflow');
  // NodeJSKernelBackend exposes whether libtensorflow placed ops on a GPU device.
  return { usingGpu: (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true };
}

export const defaultBackendLoaders: BackendLoaders = Object.freeze({
  'tfjs-node-gpu': async () => {
    const { usingGpu } = await loadTfjsNode('@tensorflow/tfjs-node-gpu');
    if (!usingGpu) throw new Error('@tensorflow/tfjs-node-gpu loaded but sees no GPU');
    return 'native TensorFlow with a GPU';
  },
  'tfjs-node': async () => {
    await loadTfjsNode('@tensorflow/tfjs-node');
    return 'native TensorFlow on the CPU';
  },
  wasm: async () => {
    const threads = wasmThreads();
    const runtime = await startSimdBackend(threads);
    registerSimdKernels();
    const fma = runtime.variant === 'relaxed' ? ', relaxed-SIMD FMA' : '';
    return `WebAssembly SIMD on a shared memory with the project's training kernels (${threads} thread${threads === 1 ? '' : 's'}${fma})`;
  },
  cpu: async () => {
    await activate('cpu');
    return 'plain JavaScript (slowest)';
  },
});

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  // The first line is enough: module-not-found messages list every path tried.
  const firstLine = error.message.split('\n')[0] ?? '';
  return code && !firstLine.includes(code) ? `${code}: ${firstLine}` : firstLine;
}

/** Tries the backends in order (or only the forced one) and returns the one now active. */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const log = options.log ?? ((line: string) => console.error(line));
  const loaders: BackendLoaders = { ...defaultBackendLoaders, ...options.loaders };
  if (options.force !== undefined) parseBackendName(options.force);
  const candidates = options.force ? [options.force] : BACKEND_NAMES;
  const skipped: { name: BackendName; why: string }[] = [];
  for (const name of candidates) {
    try {
      const reason = await loaders[name]();
      for (const skip of skipped) log(`backend ${skip.name} skipped: ${skip.why}`);
      log(`backend ${name}: ${reason}${options.force ? ' (forced by --backend)' : ''}`);
      return { name, reason, skipped };
    } catch (error) {
      if (options.force) {
        throw new BackendError(
          `Backend "${name}" was forced with --backend but cannot be used: ${describe(error)}`,
          {
            cause: error,
          },
        );
      }
      skipped.push({ name, why: describe(error) });
    }
  }
  for (const skip of skipped) log(`backend ${skip.name} skipped: ${skip.why}`);
  throw new BackendError(
    `No tfjs backend could be loaded: ${skipped.map((s) => `${s.name} (${s.why})`).join('; ')}`,
  );
}

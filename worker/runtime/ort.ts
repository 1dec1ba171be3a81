// The only module that imports onnxruntime-web. It hands ORT the WebAssembly.Module that wrangler
// compiled at deploy time, because workerd forbids compiling wasm from bytes at run time.
//
// `onnxruntime-web/wasm` is the wasm-only bundle with its Emscripten glue embedded (the root entry
// would pull the 28 MB jsep wasm). ORT has no hook for a precompiled module: it passes
// `env.wasm.wasmBinary` to the glue, which calls `WebAssembly.instantiate(new Uint8Array(binary), imports)`.
// Setting `wasmBinary` to a sentinel buffer lets us recognise exactly that call and answer it from the
// imported module; every other instantiate call passes through untouched.
//
// Why no WebGPU here: ORT's WebGPU EP lives in another build (`onnxruntime-web/webgpu`) whose glue
// needs its own 26.8 MB wasm (ort-wasm-simd-threaded.asyncify.wasm). workerd cannot compile it from
// fetched bytes, so it would have to be bundled as a second CompiledWasm module next to the 14.2 MB
// one, which does not fit Cloudflare's 10 MiB (compressed) worker limit; and `navigator.gpu` is
// undefined in workerd anyway. The browser demo page is where WebGPU runs (README, "Cold start").

import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import * as ort from 'onnxruntime-web/wasm';
import { IMAGE_PIXELS } from '../contract/image';
import { executionProvidersFor } from './execution-providers';
import type { GraphOptimizationLevel, ModelRuntime } from './model-runtime';
import { ModelSession } from './model-session';
import warmupGraph from './warmup.onnx';

const WASM_BINARY_SENTINEL = new ArrayBuffer(8);

type Instantiate = (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;

/** Start-up costs of this isolate's ORT, in ms, for /healthz (cold-start measurements). */
const ortStartup: { wasmInstantiateMs?: number; warmUpMs?: number } = {};

let handedOff = false;
/** ORT's WebAssembly.Memory, found among the imports ORT's glue instantiates its module with. */
let ortMemory: WebAssembly.Memory | undefined;

/** Idempotent; called before the first session is created rather than at import time. */
export function handOffWasmToOrt(): void {
  if (handedOff) return;
  handedOff = true;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as Instantiate;
  const isSentinel = (source: unknown) =>
    source === WASM_BINARY_SENTINEL || (ArrayBuffer.isView(source) && source.buffer === WASM_BINARY_SENTINEL);
  (WebAssembly as unknown as { instantiate: Instantiate }).instantiate = (source, imports) => {
    if (!isSentinel(source)) return instantiate(source, imports);
    ortMemory = findMemory(imports);
    const started = performance.now();
    return (instantiate(ortWasm, imports) as Promise<WebAssembly.Instance>).then((instance) => {
      ortStartup.wasmInstantiateMs = performance.now() - started;
      return { module: ortWasm, instance };
    });
  };

  ort.env.wasm.wasmBinary = WASM_BINARY_SENTINEL; // also makes ORT use its embedded glue, not import(url)
  ort.env.wasm.numThreads = 1; // workerd has no pthread workers
  ort.env.wasm.proxy = false; // nor a proxy worker
}

/** The memory ORT's glue passes in (the threaded build imports it, shared): what /healthz reports. */
function findMemory(imports: WebAssembly.Imports | undefined): WebAssembly.Memory | undefined {
  for (const module of Object.values(imports ?? {})) {
    for (const value of Object.values(module)) if (value instanceof WebAssembly.Memory) return value;
  }
  return undefined;
}

export interface WasmRuntimeOptions {
  /**
   * ORT's graph optimisations at session creation. `npm run bench:serve` (BENCHMARKS.md, "Cold-start
   * ideas") times each level: creation differs by a few ms at most, so the default is ORT's own, 'all',
   * which also gives the fused kernels.
   */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

export const DEFAULT_GRAPH_OPTIMIZATION_LEVEL: GraphOptimizationLevel = 'all';

/** onnxruntime-web on its wasm execution provider: the runtime of the deployed worker. */
export function wasmRuntime(options: WasmRuntimeOptions = {}): ModelRuntime {
  const executionProviders = [...executionProvidersFor('wasm')];
  const graphOptimizationLevel = options.graphOptimizationLevel ?? DEFAULT_GRAPH_OPTIMIZATION_LEVEL;
  const createSession: ModelRuntime['createSession'] = async (bytes, sessionOptions = {}) => {
    handOffWasmToOrt();
    // A copy: ORT may keep or transfer the buffer, and the bundled bytes are shared by every session.
    const session = await ort.InferenceSession.create(new Uint8Array(bytes.slice(0)), {
      executionProviders,
      graphOptimizationLevel: sessionOptions.graphOptimizationLevel ?? graphOptimizationLevel,
    });
    return new ModelSession(session, ort.Tensor);
  };
  return {
    backend: 'wasm',
    createSession,
    wasmHeapBytes: () => ortMemory?.buffer.byteLength,
    startup: () => ({ ...ortStartup }),
    warmUp: () => warmUpOnce(createSession),
  };
}

let warming: Promise<void> | undefined;

/**
 * Runs the warm-up graph (./warmup.onnx, `npm run models:warmup`) once per isolate. V8 compiles ORT's
 * wasm lazily, function by function on first call, so the first session of an isolate otherwise pays
 * for compiling ORT's start-up, session creation and the kernels of its model (`npm run bench:serve`
 * measures the first request with and without this: BENCHMARKS.md, "Cold start"). The graph has a node of every op type the committed models use,
 * so one session and one run compile what any of them needs.
 */
function warmUpOnce(createSession: ModelRuntime['createSession']): Promise<void> {
  warming ??= (async () => {
    const started = performance.now();
    try {
      const session = await createSession(warmupGraph);
      const [input] = session.inputNames;
      const data = Float32Array.from({ length: 2 * IMAGE_PIXELS }, (_, i) => ((i * 37) % 101) / 100);
      await session.run({ [input!]: { data, dims: [2, IMAGE_PIXELS] } });
      await session.release();
      ortStartup.warmUpMs = performance.now() - started;
    } catch (error) {
      console.error(`ORT warm-up failed (the first request pays for it instead): ${String(error)}`);
    }
  })();
  return warming;
}

// The only module that imports onnxruntime-web. It hands ORT the WebAssembly.Module that wrangler
// compiled at deploy time, because workerd forbids compiling wasm from bytes at run time.
//
// `onnxruntime-web/wasm` is the wasm-only bundle with its Emscripten glue embedded (the root entry
// would pull the 28 MB jsep wasm). ORT has no hook for a precompiled module: it passes
// `env.wasm.wasmBinary` to the glue, which calls `WebAssembly.instantiate(new Uint8Array(binary), imports)`.
// Setting `wasmBinary` to a sentinel buffer lets us recognise exactly that call and answer it from the
// imported module; every other instantiate call passes through untouched.

import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import * as ort from 'onnxruntime-web/wasm';

const WASM_BINARY_SENTINEL = new ArrayBuffer(8);

type Instantiate = (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;

let handedOff = false;

/** Idempotent; called before the first session is created rather than at import time. */
export function handOffWasmToOrt(): void {
  if (handedOff) return;
  handedOff = true;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as Instantiate;
  const isSentinel = (source: unknown) =>
    source === WASM_BINARY_SENTINEL || (ArrayBuffer.isView(source) && source.buffer === WASM_BINARY_SENTINEL);
  (WebAssembly as unknown as { instantiate: Instantiate }).instantiate = (source, imports) =>
    isSentinel(source)
      ? (instantiate(ortWasm, imports) as Promise<WebAssembly.Instance>).then((instance) => ({
          module: ortWasm,
          instance,
        }))
      : instantiate(source, imports);

  ort.env.wasm.wasmBinary = WASM_BINARY_SENTINEL; // also makes ORT use its embedded glue, not import(url)
  ort.env.wasm.numThreads = 1; // workerd has no pthread workers
  ort.env.wasm.proxy = false; // nor a proxy worker
}

export { ort };

// What the API needs from an ONNX runtime: a session for a model's bytes, and the name of the backend
// that really runs it (what /healthz reports). The worker uses the onnxruntime-web wasm runtime
// (./ort.ts); the serving benchmark plugs onnxruntime-node into the same app (scripts/bench/), so both
// answer through the same routes, registry and ModelSession.
import type { ModelSession } from './model-session';

/**
 * `wasm`: onnxruntime-web's wasm EP (the worker). `webgpu`: onnxruntime-web's WebGPU EP, only where it
 * really runs (see ./ort.ts). `cpu`: onnxruntime-node's CPU EP, the serving benchmark's baseline.
 */
export type Backend = 'wasm' | 'webgpu' | 'cpu';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** ORT's graph optimisations while creating the session; each runtime has its measured default. */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

export interface ModelRuntime {
  readonly backend: Backend;
  /**
   * The bytes of ORT's WebAssembly memory now (its heap, which never shrinks); undefined for a runtime
   * that has none (onnxruntime-node) or before ORT's wasm is instantiated.
   */
  wasmHeapBytes?(): number | undefined;
  createSession(bytes: ArrayBuffer, options?: SessionOptions): Promise<ModelSession>;
  /** One-off start-up costs in ms (e.g. instantiating ORT's wasm), once they have happened. */
  startup(): Readonly<Record<string, number>>;
  /**
   * Prepares the runtime before any model is asked for (the worker calls it when its isolate starts);
   * resolves when done and never rejects: a failed warm-up only leaves the cost to the first request.
   */
  warmUp(): Promise<void>;
}

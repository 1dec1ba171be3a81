// onnxruntime-web's wasm build on plain Node, behind the worker's ModelRuntime interface: the serving
// benchmark's middle column. Same wasm binary and kernels as the worker, without workerd, so the
// benchmark can tell what costs come from wasm itself (vs onnxruntime-node's native kernels) and what
// from workerd (vs the worker).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';
import type { ModelRuntime } from '../../worker/runtime/model-runtime';
import { ModelSession } from '../../worker/runtime/model-session';

export function webOnNodeRuntime(): ModelRuntime {
  const require = createRequire(import.meta.url);
  // On Node, ORT-web's glue takes the wasm bytes directly (the worker hands it a compiled module).
  ort.env.wasm.wasmBinary = new Uint8Array(
    readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')),
  );
  ort.env.wasm.numThreads = 1; // as in workerd, which has no threads
  ort.env.wasm.proxy = false;
  return {
    backend: 'wasm',
    async createSession(bytes, options = {}) {
      const session = await ort.InferenceSession.create(new Uint8Array(bytes.slice(0)), {
        executionProviders: ['wasm'],
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      });
      return new ModelSession(session, ort.Tensor);
    },
    startup: () => ({}),
    warmUp: async () => undefined,
  };
}

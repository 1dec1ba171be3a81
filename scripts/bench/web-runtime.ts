// onnxruntime-web's wasm build on plain Node, behind the worker's ModelRuntime interface: the serving
// benchmark's middle column. Same wasm binary and kernels as the worker, without workerd, so the
// benchmark can tell what costs come from wasm itself (vs onnxruntime-node's native kernels) and what
// from workerd (vs the worker).
import * as ort from 'onnxruntime-web/wasm';
import { createWebSession } from '../../train/export/web-runtime';
import type { ModelRuntime } from '../../worker/runtime/model-runtime';
import { ModelSession } from '../../worker/runtime/model-session';

export function webOnNodeRuntime(): ModelRuntime {
  return {
    backend: 'wasm',
    async createSession(bytes, options = {}) {
      const session = await createWebSession(new Uint8Array(bytes), {
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      });
      return new ModelSession(session, ort.Tensor);
    },
    startup: () => ({}),
    warmUp: async () => undefined,
  };
}

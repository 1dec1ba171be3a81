// onnxruntime-node behind the worker's ModelRuntime interface: the serving benchmark's baseline, so
// the same hono app, registry and ModelSession serve the same models on plain Node. Lives outside
// worker/ so that onnxruntime-node can never reach the worker bundle.
import * as ort from 'onnxruntime-node';
import type { ModelRuntime } from '../../worker/runtime/model-runtime';
import { ModelSession } from '../../worker/runtime/model-session';

/**
 * One intra-op thread by default: the worker's wasm runs single-threaded (workerd has no pthreads),
 * so this compares the two runtimes' kernels, not the machine's core count.
 */
export function nodeRuntime({ threads = 1 }: { threads?: number } = {}): ModelRuntime {
  return {
    backend: 'cpu',
    async createSession(bytes, options = {}) {
      const session = await ort.InferenceSession.create(new Uint8Array(bytes.slice(0)), {
        executionProviders: ['cpu'],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      });
      return new ModelSession(session, ort.Tensor);
    },
    startup: () => ({}),
    // onnxruntime-node's kernels are native code, compiled ahead of time: nothing to warm.
    warmUp: async () => undefined,
  };
}

/**
 * Writes the graph ORT optimised at `level` (onnxruntime-node's `optimizedModelFilePath`): an ONNX file,
 * or ORT format when the path ends in `.ort`. One of the cold-start ideas bench:serve measures.
 */
export async function saveOptimisedModel(
  modelPath: string,
  outPath: string,
  level: 'basic' | 'extended',
): Promise<void> {
  await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: level,
    optimizedModelFilePath: outPath,
  });
}

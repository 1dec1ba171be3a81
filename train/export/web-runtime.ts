// onnxruntime-web's wasm build on Node: the runtime the worker serves with, so that an int8 variant is
// judged by the integer kernels it really gets. onnxruntime-node's x86 kernels compute uint8 × int8
// products with instructions that saturate (vpmaddubsw), which the wasm kernels do not; see
// ./quantize/qdq.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';
import { inRowBatches } from './parity';

let configured = false;

function configure(): void {
  if (configured) return;
  configured = true;
  const require = createRequire(import.meta.url);
  // On Node, ORT-web's glue takes the wasm bytes directly (the worker hands it a compiled module).
  ort.env.wasm.wasmBinary = new Uint8Array(
    readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')),
  );
  ort.env.wasm.numThreads = 1; // as in workerd, which has no threads
  ort.env.wasm.proxy = false;
}

/** An onnxruntime-web session on its wasm EP, as the worker creates them. */
export async function createWebSession(
  bytes: Uint8Array,
  options: Pick<ort.InferenceSession.SessionOptions, 'graphOptimizationLevel'> = {},
): Promise<ort.InferenceSession> {
  configure();
  return ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'], ...options });
}

/** Runs `session` on rows of `width` floats, `batch` rows at a time; each output as one flat array. */
export function runWebInBatches(
  session: ort.InferenceSession,
  input: string,
  data: Float32Array,
  width: number,
  outputs: readonly string[],
  batch = 256,
): Promise<Record<string, Float32Array>> {
  return inRowBatches(data, width, outputs, batch, async (rows, dims) => {
    const result = await session.run({ [input]: new ort.Tensor('float32', rows, dims) }, [...outputs]);
    return Object.fromEntries(outputs.map((o) => [o, result[o]!.data as Float32Array]));
  });
}

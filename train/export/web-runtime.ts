// onnxruntime-web's wasm build on Node: the runtime the worker serves with, so that an int8 variant is
// judged by the integer kernels it really gets. onnxruntime-node's x86 kernels compute uint8 × int8
// products with instructions that saturate (vpmaddubsw), which the wasm kernels do not; see
// ./quantize/qdq.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';

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
export async function createWebSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  configure();
  return ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'] });
}

/** Runs `session` on rows of `width` floats, `batch` rows at a time; each output as one flat array. */
export async function runWebInBatches(
  session: ort.InferenceSession,
  input: string,
  data: Float32Array,
  width: number,
  outputs: readonly string[],
  batch = 256,
): Promise<Record<string, Float32Array>> {
  const rows = data.length / width;
  const parts: Record<string, Float32Array[]> = Object.fromEntries(outputs.map((o) => [o, []]));
  for (let start = 0; start < rows; start += batch) {
    const end = Math.min(rows, start + batch);
    const feed = new ort.Tensor('float32', data.slice(start * width, end * width), [end - start, width]);
    const result = await session.run({ [input]: feed }, [...outputs]);
    for (const o of outputs) parts[o]!.push(Float32Array.from(result[o]!.data as ArrayLike<number>, Number));
  }
  return Object.fromEntries(
    outputs.map((o) => {
      const chunks = parts[o]!;
      const out = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return [o, out];
    }),
  );
}

// Run by ./memory-charge.test.ts in a fresh process per graph (ORT's heap never shrinks, so each
// measurement needs an ORT of its own): `tsx test/models/heap-per-session.ts <graph.onnx>` prints
// {"perSession": bytes}, what one more session of the graph holds in onnxruntime-web's wasm heap.
// Copies of the graph are created one after another; each time ORT has to grow its heap, the size just
// before says how much it held; the slope of that over the copies is the bytes per session.
import { readFileSync } from 'node:fs';
import { createWebSession } from '../../train/export/web-runtime';
import { sessionCharge } from '../../worker/serving/memory-budget';

// ORT's glue passes its WebAssembly.Memory in the imports it instantiates with: keep it to read its size.
let memory: WebAssembly.Memory | undefined;
const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...args: unknown[]) => Promise<unknown>;
(WebAssembly as unknown as { instantiate: typeof instantiate }).instantiate = (source, imports) => {
  for (const module of Object.values((imports ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const value of Object.values(module)) if (value instanceof WebAssembly.Memory) memory = value;
  }
  return instantiate(source, imports);
};

const bytes = new Uint8Array(readFileSync(process.argv[2]!));
// Enough copies for ~40 MiB of charges: several growths of a heap that grows by a fifth each time.
const copies = Math.max(4, Math.ceil((40 * 2 ** 20) / sessionCharge(bytes.byteLength)));
const sessions = [await createWebSession(bytes)];
const growths: { copies: number; heldBefore: number }[] = [];
for (let i = 1; i < copies; i++) {
  const before = memory!.buffer.byteLength;
  sessions.push(await createWebSession(bytes));
  if (memory!.buffer.byteLength > before) growths.push({ copies: i, heldBefore: before });
}
const [first, last] = [growths[0], growths.at(-1)];
const perSession =
  first === undefined || last === undefined || last.copies === first.copies
    ? null
    : (last.heldBefore - first.heldBefore) / (last.copies - first.copies);
console.log(JSON.stringify({ perSession, copies, growths: growths.length }));

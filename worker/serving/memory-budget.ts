// How much of ORT's memory the open model versions may take (README, "Memory"). Cloudflare stops an
// isolate that goes over 128 MB, and WebAssembly memory never shrinks: ORT's heap is the high-water mark
// of everything ORT ever held at once. So what is budgeted is that heap, and the way to bound it is to
// bound what is held at once: each open session is charged what ORT keeps for it, and the least recently
// used versions are released (./session-pool.ts) before a new one would take the charges past what the
// budget leaves. Memory released that way is reused by ORT's allocator, so the heap stops growing.
//
// The budget also holds the reference data of /v1/neighbors (REFERENCE_BYTES, in a pool of its own:
// ./reference-index.ts), so the sessions' pool gets budget − RESERVED_BYTES − REFERENCE_BYTES.
//
// A session's charge comes from its graph's size, known from the manifest before anything is created:
// ORT keeps the graph's initializers and, for Conv/Gemm/MatMul, a packed copy of their weights; created
// one after another, sessions of the committed graphs hold 1.1–2.1× their size, and small graphs about
// 0.1 MiB more than that (RotNet's int8 variant: 0.17 MiB for 0.04 MiB of graph), which
// test/models/memory-charge.test.ts measures with onnxruntime-web's wasm on Node. The reserve holds what is not per session: ORT's own start-up heap (16 MiB, the
// module's initial memory) and room for the transient peaks, a graph being created (its bytes, their
// parsed copy and the session at once) or a run (activations freed after it; runs are split by rows to
// keep them small: rowsPerRun below).

const MIB = 1024 * 1024;

/** The budget when wrangler.toml's ORT_MEMORY_BUDGET_MIB is unset or not a positive number. */
export const DEFAULT_MEMORY_BUDGET_MIB = 64;

/** ORT's initial heap (16 MiB) plus 16 MiB for creating a graph or running a batch. */
export const RESERVED_BYTES = 32 * MIB;

/**
 * Of the budget, the share for reference data (issue 18: an index counts against the budget): the indexes
 * /v1/neighbors searches and the decoded images and labels of the reference item route. JavaScript memory,
 * not ORT's, but the same isolate's, so the same 128 MB. A share of its own because ORT's heap never
 * shrinks (./reference-index.ts). 12 MiB hold the Fashion-MNIST test images (7.5 MiB decoded) and the
 * indexes of the demo's Similar items panel (0.3–1.3 MiB each for 10,000 items).
 */
export const REFERENCE_BYTES = 12 * MIB;

/** What a reference index holds once read: its int8 rows, each row's inverse length (a float64), its labels. */
export function referenceIndexBytes({ count, dims }: { count: number; dims: number }): number {
  return count * dims + count * 8 + count;
}

/**
 * Rows per ORT run (ModelSession's maxRows): at most 64, fewer for graphs with wide outputs, so that a
 * run's outputs (the largest activations of these graphs: a text model's logits over its vocabulary for
 * every token) stay near 4 MiB. A batch of 64 texts through the committed text model would otherwise take
 * 30 MiB of ORT's heap for one run (16 MiB of word logits, twice), and the heap would keep it.
 */
export function rowsPerRun(outputWidths: readonly (readonly number[])[]): number {
  const floatsPerRow = outputWidths.reduce((sum, shape) => sum + shape.reduce((p, d) => p * d, 1), 0);
  return Math.max(1, Math.min(64, Math.floor(MIB / Math.max(1, floatsPerRow))));
}

/** What a session holds in ORT's heap, at most: twice its graph, plus a fixed overhead. */
export function sessionCharge(graphBytes: number): number {
  return 2 * graphBytes + MIB / 4;
}

/** ORT_MEMORY_BUDGET_MIB (a var) in bytes; the default when unset, empty or not a positive number. */
export function memoryBudgetBytes(value: string | undefined): number {
  const mib = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return (Number.isFinite(mib) && mib > 0 ? mib : DEFAULT_MEMORY_BUDGET_MIB) * MIB;
}

export const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

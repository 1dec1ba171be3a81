// The warm-up graph the worker runs at isolate start (scripts/make-warmup-graph.ts) only helps if it
// exercises every op the committed models use, and only stays honest if the committed file is what the
// script writes. Both are checked here, and that it runs in both ORT packages with finite outputs.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web/wasm';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/bundle-models';
import {
  liveOpTypesOf,
  opTypesOf,
  WARMUP_INPUT,
  WARMUP_OUTPUTS,
  WARMUP_PATH,
  warmupGraph,
} from '../../scripts/make-warmup-graph';

const committed = new Uint8Array(readFileSync(WARMUP_PATH));
const BATCH = 2;

/** Every .onnx file under models/<name>/, relative to the repository root. */
function committedModels(): string[] {
  const models = join(REPO_ROOT, 'models');
  return readdirSync(models, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(models, d.name))
        .filter((file) => file.endsWith('.onnx'))
        .map((file) => `models/${d.name}/${file}`),
    )
    .sort();
}

/** Two "random-ish" images in [0, 1]: a fixed integer pattern, with a blank strip and an inked one. */
function images(): Float32Array {
  const x = Float32Array.from({ length: BATCH * 784 }, (_, i) => ((i * 37) % 101) / 100);
  x.fill(0, 0, 98); // image 0: a blank top strip ([PAD] in the text branch)
  x.fill(1, 784, 784 + 98); // image 1: a fully inked top strip
  return x;
}

/**
 * The kernels ORT runs for `file` after its optimisations at level "all" (e.g. "com.microsoft:FusedConv
 * [Relu]"), as onnxruntime-node writes the optimised graph. Without the NCHWc transformer: MLAS has
 * NCHWc kernels on x86 only, so the worker's wasm never gets them.
 */
async function optimisedKernels(path: string, dir: string): Promise<Set<string>> {
  const optimised = join(dir, path.replace(/\W/g, '_'));
  const session = await ortNode.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: optimised,
    logSeverityLevel: 3,
    extra: { optimization: { disable_specified_optimizers: 'NchwcTransformer' } },
  });
  await session.release();
  const nodes = fromBinary(ModelProtoSchema, new Uint8Array(readFileSync(optimised))).graph?.node ?? [];
  return new Set(
    nodes.map((n) => {
      const activation = n.attribute.find((a) => a.name === 'activation');
      const fused = activation ? `[${new TextDecoder().decode(activation.s)}]` : '';
      return `${n.domain || 'ai.onnx'}:${n.opType}${fused}`;
    }),
  );
}

/** `what` (given a model's path) of every committed model, as item → the models that have it. */
async function usersOf(what: (path: string) => Promise<Set<string>>): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const file of committedModels()) {
    for (const item of await what(join(REPO_ROOT, file))) users.set(item, [...(users.get(item) ?? []), file]);
  }
  return users;
}

/** The items of `users` that `have` lacks, with the models that need them, for a failure message. */
function missingFrom(have: Set<string>, users: Map<string, string[]>): string[] {
  return [...users.keys()]
    .filter((item) => !have.has(item))
    .sort()
    .map((item) => `${item} (used by ${users.get(item)!.join(', ')})`);
}

/** Output tensors of either ORT package (int64 data arrives as a BigInt64Array). */
type Outputs = Readonly<
  Record<string, { readonly dims: readonly number[]; readonly data: ArrayLike<unknown> }>
>;

function expectWellFormed(outputs: Outputs): void {
  expect(Object.keys(outputs).sort()).toEqual(Object.keys(WARMUP_OUTPUTS).sort());
  for (const [name, spec] of Object.entries(WARMUP_OUTPUTS)) {
    const out = outputs[name]!;
    expect(out.dims, name).toEqual([BATCH, ...spec.shape]);
    const values = Array.from(out.data, Number);
    expect(
      values.every((v) => Number.isFinite(v)),
      `${name} has a non-finite value`,
    ).toBe(true);
  }
  const clusters = Array.from(outputs['cluster']!.data, Number);
  const k = WARMUP_OUTPUTS['distances']!.shape[0]!;
  expect(clusters.every((c) => Number.isInteger(c) && c >= 0 && c < k)).toBe(true);
}

describe('worker/runtime/warmup.onnx', () => {
  it('is what scripts/make-warmup-graph.ts writes (else run `npm run models:warmup`)', () => {
    const generated = warmupGraph();
    expect(
      Buffer.from(committed).equals(Buffer.from(generated)),
      'warmup.onnx is stale: run `npm run models:warmup`',
    ).toBe(true);
  });

  it('holds every op type of the committed models, each on a path ORT keeps', async () => {
    const users = await usersOf(async (path) => opTypesOf(new Uint8Array(readFileSync(path))));
    expect(users.size).toBeGreaterThan(0);
    // Live nodes only: a node fed by constants alone is folded at load, one leading nowhere is removed.
    const missing = missingFrom(liveOpTypesOf(committed), users);
    expect(
      missing,
      `warmup.onnx lacks op types of the committed models: ${missing.join('; ')}; add them to scripts/make-warmup-graph.ts`,
    ).toEqual([]);
  });

  it("keeps them after ORT's fusions: every kernel the optimised models run, the optimised warm-up runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pretext-warmup-'));
    try {
      const users = await usersOf((path) => optimisedKernels(path, dir));
      const missing = missingFrom(await optimisedKernels(WARMUP_PATH, dir), users);
      expect(
        missing,
        `after optimisation, warmup.onnx lacks kernels of the committed models: ${missing.join('; ')}; arrange its ops as those models do`,
      ).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs in onnxruntime-node with finite outputs of the declared shapes', async () => {
    const session = await ortNode.InferenceSession.create(committed);
    try {
      expect(session.inputNames).toEqual([WARMUP_INPUT]);
      const input = new ortNode.Tensor('float32', images(), [BATCH, 784]);
      expectWellFormed(await session.run({ [WARMUP_INPUT]: input }));
    } finally {
      await session.release();
    }
  });

  it('runs in onnxruntime-web (wasm, as in the worker) and agrees with onnxruntime-node', async () => {
    // In Node, ORT-web's glue takes the wasm bytes directly (the worker hands it a compiled module).
    ortWeb.env.wasm.wasmBinary = new Uint8Array(
      readFileSync(join(REPO_ROOT, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm')),
    );
    ortWeb.env.wasm.numThreads = 1;
    ortWeb.env.wasm.proxy = false;
    const web = await ortWeb.InferenceSession.create(committed.slice(), { executionProviders: ['wasm'] });
    const node = await ortNode.InferenceSession.create(committed);
    try {
      const x = images();
      const fromWeb = await web.run({ [WARMUP_INPUT]: new ortWeb.Tensor('float32', x, [BATCH, 784]) });
      const fromNode = await node.run({ [WARMUP_INPUT]: new ortNode.Tensor('float32', x, [BATCH, 784]) });
      expectWellFormed(fromWeb);
      for (const name of Object.keys(WARMUP_OUTPUTS)) {
        const a = Array.from(fromWeb[name]!.data, Number);
        const b = Array.from(fromNode[name]!.data, Number);
        const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
        expect(worst, name).toBeLessThan(1e-4);
      }
    } finally {
      await web.release();
      await node.release();
    }
  });
});

// Parity: the exported graph must compute what the trained tfjs model computes. onnxruntime-node is
// the reference runtime here; the worker runs the same graph in onnxruntime-web.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { IMAGE_PIXELS } from '../../worker/contract/image';

/**
 * The tolerance every export must meet (STYLE.md convention 6): |tfjs − ONNX| ≤ 1e-4, scaled by the
 * value where it exceeds 1 — float32 itself cannot do better on a code h ≈ 50, where two runtimes
 * summing 3,136 products in a different order already differ by ~1e-4.
 */
export const PARITY_TOLERANCE = 1e-4;

/** max |a − b| / max(1, |a|): the absolute error for values up to 1, the relative error above. */
export function maxScaledDifference(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (expected.length !== actual.length)
    throw new Error(`parity: lengths differ (${expected.length} vs ${actual.length})`);
  let m = 0;
  for (let i = 0; i < expected.length; i++) {
    m = Math.max(m, Math.abs(expected[i]! - actual[i]!) / Math.max(1, Math.abs(expected[i]!)));
  }
  return m;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`parity: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** int64 outputs (k-means cluster ids) arrive as BigInt64Array, which Float32Array.from rejects. */
function asFloat32(data: ort.Tensor['data']): Float32Array {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, Number);
  return Float32Array.from(data as ArrayLike<number>);
}

/** Runs `bytes` once in onnxruntime-node; every output comes back as float32 (int64 ids converted). */
export async function runOnnx(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array; shape: readonly number[] }>,
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, [...v.shape])]),
    );
    const out = await session.run(tensors);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, asFloat32(v.data)]));
  } finally {
    await session.release();
  }
}

/**
 * Runs `runBatch` on `data` (rows of `width` floats) `batch` rows at a time, and returns each of
 * `outputs` as one flat Float32Array over all rows (int64 outputs converted): the loop of
 * onnxruntime-node's runInBatches and onnxruntime-web's runWebInBatches (./web-runtime.ts).
 */
export async function inRowBatches(
  data: Float32Array,
  width: number,
  outputs: readonly string[],
  batch: number,
  runBatch: (rows: Float32Array, dims: [number, number]) => Promise<Record<string, ort.Tensor['data']>>,
): Promise<Record<string, Float32Array>> {
  const n = data.length / width;
  const parts: Record<string, Float32Array[]> = Object.fromEntries(outputs.map((o) => [o, []]));
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const result = await runBatch(data.slice(start * width, end * width), [end - start, width]);
    for (const o of outputs) parts[o]!.push(asFloat32(result[o]!));
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

/** inRowBatches on an onnxruntime-node session. */
export function runInBatches(
  session: ort.InferenceSession,
  input: string,
  data: Float32Array,
  width: number,
  outputs: readonly string[],
  batch: number,
): Promise<Record<string, Float32Array>> {
  return inRowBatches(data, width, outputs, batch, async (rows, dims) => {
    const result = await session.run({ [input]: new ort.Tensor('float32', rows, dims) }, [...outputs]);
    return Object.fromEntries(outputs.map((o) => [o, result[o]!.data]));
  });
}

/**
 * Runs `model.predict` and the ONNX graph on the same input and returns the largest absolute
 * difference per output (outputNames[i] is the ONNX name of tfjs output i).
 */
export async function layersModelParity(
  model: tf.LayersModel,
  bytes: Uint8Array,
  input: { name: string; data: Float32Array; shape: readonly number[] },
  outputNames: readonly string[],
): Promise<{ maxAbsError: number; maxScaledError: number; perOutput: Record<string, number> }> {
  const expected = tf.tidy(() => {
    const y = model.predict(tf.tensor(input.data, [...input.shape]));
    return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync().slice());
  });
  const actual = await runOnnx(bytes, { [input.name]: input });
  const perOutput: Record<string, number> = {};
  let maxScaledError = 0;
  outputNames.forEach((name, i) => {
    const got = actual[name];
    if (!got) throw new Error(`parity: the ONNX graph has no output "${name}"`);
    perOutput[name] = maxAbsDifference(expected[i]!, got);
    maxScaledError = Math.max(maxScaledError, maxScaledDifference(expected[i]!, got));
  });
  return { maxAbsError: Math.max(...Object.values(perOutput)), maxScaledError, perOutput };
}

/**
 * layersModelParity on the first (at most 64) test images, as every exported image model checks it:
 * throws when the scaled error passes PARITY_TOLERANCE, so no model that disagrees with its tfjs
 * original is ever written.
 */
export async function checkedLayersParity(
  model: tf.LayersModel,
  bytes: Uint8Array,
  test: { images: Float32Array; count: number },
  outputNames: readonly string[],
): Promise<{ maxAbsError: number; maxScaledError: number; perOutput: Record<string, number> }> {
  const n = Math.min(64, test.count);
  const input = { name: 'x', data: test.images.subarray(0, n * IMAGE_PIXELS), shape: [n, IMAGE_PIXELS] };
  const parity = await layersModelParity(model, bytes, input, outputNames);
  if (parity.maxScaledError > PARITY_TOLERANCE) {
    throw new Error(
      `export parity failed: max scaled error ${parity.maxScaledError} > ${PARITY_TOLERANCE} (max abs ${parity.maxAbsError})`,
    );
  }
  return parity;
}

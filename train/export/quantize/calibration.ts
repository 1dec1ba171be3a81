// Static quantization needs each activation's range before the graph ever sees a request: the graph is
// run with onnxruntime-node (the reference runtime of every export) on calibration images, the model's
// own training images, with the values to be quantized exposed as extra outputs, and the smallest and
// largest value of each is kept (min/max calibration, as onnxruntime's quantizer does by default).
import * as ort from 'onnxruntime-node';
import type { EditableGraph } from './editable-graph';

export interface Range {
  min: number;
  max: number;
}

export interface CalibrationSet {
  /** Rows of `width` float32 values (images: 784). */
  data: Float32Array;
  width: number;
}

const BATCH = 256;

/** min/max of each of `values` over the calibration set, run through `g` as it is now. */
export async function calibrate(
  g: EditableGraph,
  values: readonly string[],
  calibration: CalibrationSet,
): Promise<Map<string, Range>> {
  const [input] = g.inputs;
  if (input === undefined || g.inputs.length !== 1) {
    throw new Error(`quantize: ${g.name} must have exactly one input, it has ${g.inputs.length}`);
  }
  const wanted = [...new Set(values)];
  const exposed = wanted.filter((v) => !g.outputs.includes(v) && v !== input);
  const session = await ort.InferenceSession.create(g.withExtraOutputs(exposed));
  const ranges = new Map<string, Range>(wanted.map((v) => [v, { min: Infinity, max: -Infinity }]));
  const { data, width } = calibration;
  const rows = data.length / width;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new Error(`quantize: the calibration set must hold whole rows of ${width} values`);
  }
  try {
    for (let start = 0; start < rows; start += BATCH) {
      const end = Math.min(rows, start + BATCH);
      const batch = data.subarray(start * width, end * width);
      const feed = new ort.Tensor('float32', batch, [end - start, width]);
      const fetched = wanted.filter((v) => v !== input);
      const out = fetched.length > 0 ? await session.run({ [input]: feed }, fetched) : {};
      for (const v of wanted) {
        const values = v === input ? batch : (out[v]!.data as Float32Array);
        const range = ranges.get(v)!;
        for (let i = 0; i < values.length; i++) {
          const x = values[i]!;
          if (x < range.min) range.min = x;
          if (x > range.max) range.max = x;
        }
      }
    }
  } finally {
    await session.release();
  }
  for (const [v, range] of ranges) {
    if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) {
      throw new Error(`quantize: ${v} has non-finite values on the calibration images`);
    }
  }
  return ranges;
}

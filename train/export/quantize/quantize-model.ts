// A float ONNX graph → its static int8 variant (QDQ), calibrated on the model's own training images:
// batch norms folded (./fold-batch-norm.ts), activation ranges measured (./calibration.ts), then
// QuantizeLinear/DequantizeLinear around every layer worth it (./qdq.ts).
import { type CalibrationSet, calibrate } from './calibration';
import { EditableGraph } from './editable-graph';
import { foldBatchNorms } from './fold-batch-norm';
import {
  activationsToQuantize,
  DEFAULT_QUANTIZE_OPTIONS,
  type FloatLayer,
  type QuantizedLayer,
  type QuantizeOptions,
  quantizableLayers,
  quantizeActivation,
  quantizeWeights,
} from './qdq';

export interface QuantizedModel {
  bytes: Uint8Array;
  /** The layers that got int8 weights, in graph order. */
  layers: QuantizedLayer[];
  /** Weighted layers left in float32, and why. */
  keptFloat: FloatLayer[];
  foldedBatchNorms: number;
  /** Activations quantized to uint8. */
  activations: number;
}

export async function quantizeModel(
  bytes: Uint8Array,
  calibration: CalibrationSet,
  options: QuantizeOptions = DEFAULT_QUANTIZE_OPTIONS,
): Promise<QuantizedModel> {
  const g = new EditableGraph(bytes);
  const foldedBatchNorms = foldBatchNorms(g);
  const { targets, keptFloat } = quantizableLayers(g, options);
  if (targets.length === 0) throw new Error(`quantize: ${g.name} has no layer to quantize`);
  const values = activationsToQuantize(g, targets);
  const ranges = await calibrate(g, values, calibration);
  // Each layer's bias scale is its input's scale; once Q/DQ are in, the layer reads the dequantized copy.
  const inputs = targets.map((t) => t.node.input[0]!);
  const scales = new Map<string, number>();
  for (const value of values) scales.set(value, quantizeActivation(g, value, ranges.get(value)!));
  const layers = targets.map((target, i) => quantizeWeights(g, target, scales.get(inputs[i]!)!));
  g.pruneInitializers();
  return { bytes: g.toBytes(), layers, keptFloat, foldedBatchNorms, activations: values.length };
}

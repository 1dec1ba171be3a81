// A float ONNX graph → its static int8 variant (QDQ), calibrated on the model's own training images:
// batch norms folded (./fold-batch-norm.ts), activation ranges measured (./calibration.ts), then
// QuantizeLinear/DequantizeLinear around every layer worth it (./qdq.ts).
import { type CalibrationSet, calibrate } from './calibration';
import { EditableGraph } from './editable-graph';
import { foldBatchNorms } from './fold-batch-norm';
import {
  activationsToQuantize,
  applyQdq,
  DEFAULT_QUANTIZE_OPTIONS,
  type FloatLayer,
  type QuantizedLayer,
  type QuantizeOptions,
  quantizableLayers,
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
  const layers = applyQdq(g, targets, ranges);
  return { bytes: g.toBytes(), layers, keptFloat, foldedBatchNorms, activations: values.length };
}

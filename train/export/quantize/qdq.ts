// The int8 variant of a float graph in ONNX's QDQ form: QuantizeLinear → DequantizeLinear pairs around
// every layer worth quantizing, which onnxruntime's optimiser turns into integer kernels (DQ → Conv → Q
// becomes QLinearConv, DQ → Gemm/MatMul becomes QGemm, QLinearMatMul or MatMulIntegerToFloat), the wasm
// build of onnxruntime-web included, while a runtime that does not fuse them computes the same numbers
// in float. Activations are uint8 with a zero point (asymmetric,
// so a ReLU's [0, max] uses all 256 levels), weights int8 symmetric per output channel, biases int32
// at scale x_scale·w_scale (the scheme of Jacob et al. 2018, "Quantization and Training of Neural
// Networks for Efficient Integer-Arithmetic-Only Inference", and of onnxruntime's static quantizer).
import type { NodeProto } from 'onnx-buf';
import type { EditableGraph } from './editable-graph';

export interface QuantizeOptions {
  /**
   * Gemm/MatMul layers with fewer weights than this stay float32: they cost little to run, and they are
   * the small heads (4 rotation classes, 10 centroids) whose outputs are the answers.
   */
  minWeights: number;
  /**
   * Convolutions that sum fewer products per output (in channels × kernel height × width) stay float32:
   * an int8 GEMM packs and requantizes per output, which a 3×3 kernel on one input channel (9 products)
   * does not pay back. onnxruntime-web's QLinearConv on the 1-channel first layer of RotNet measured 3×
   * slower than its float Conv (`npm run bench:serve` shows the whole model).
   */
  minConvReduction: number;
}

export const DEFAULT_QUANTIZE_OPTIONS: Readonly<QuantizeOptions> = Object.freeze({
  minWeights: 4096,
  minConvReduction: 16,
});

/** A layer that gets integer weights: the node, what it is, and how many weights it holds. */
export interface QuantizedLayer {
  node: string;
  opType: string;
  weights: number;
}

/** A weighted layer left in float32, and why. */
export interface FloatLayer {
  node: string;
  opType: string;
  reason: string;
}

export interface Target {
  node: NodeProto;
  /** The weight axis of output channels (per-channel scales). */
  axis: number;
}

const attr = (node: NodeProto, name: string) => node.attribute.find((a) => a.name === name);

/**
 * The layers to quantize: convolutions and Gemm/MatMul with constant weights, large enough to gain.
 * ConvTranspose stays float: onnxruntime has no integer kernel for it on the wasm EP, so Q/DQ around it
 * would only add rounding.
 */
export function quantizableLayers(
  g: EditableGraph,
  options: QuantizeOptions,
): { targets: Target[]; keptFloat: FloatLayer[] } {
  const targets: Target[] = [];
  const keptFloat: FloatLayer[] = [];
  for (const node of g.nodes) {
    if (!['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(node.opType)) continue;
    const keep = (reason: string) => keptFloat.push({ node: node.name, opType: node.opType, reason });
    const weight = node.input[1] === undefined ? undefined : g.floatInitializer(node.input[1]);
    if (weight === undefined || node.input[0] === undefined || g.isInitializer(node.input[0])) {
      keep('its weights are not a constant');
      continue;
    }
    const bias = node.input[2] ? g.floatInitializer(node.input[2]) : undefined;
    if (node.input[2] && bias === undefined) {
      keep('its bias is not a constant');
      continue;
    }
    if (node.opType === 'ConvTranspose') {
      keep('onnxruntime has no integer ConvTranspose kernel on the wasm EP');
    } else if (node.opType === 'Conv') {
      const reduction = weight.dims.slice(1).reduce((p, d) => p * d, 1);
      if (reduction >= options.minConvReduction) targets.push({ node, axis: 0 });
      else keep(`it sums ${reduction} products per output (< ${options.minConvReduction})`);
    } else if (weight.dims.length !== 2 || weight.data.length < options.minWeights) {
      keep(`it has ${weight.data.length} weights (< ${options.minWeights})`);
    } else if (node.opType === 'MatMul') {
      targets.push({ node, axis: 1 });
    } else {
      const plain =
        (attr(node, 'alpha')?.f ?? 1) === 1 &&
        (attr(node, 'beta')?.f ?? 1) === 1 &&
        (attr(node, 'transA')?.i ?? 0n) === 0n;
      const transB = (attr(node, 'transB')?.i ?? 0n) === 1n;
      const outputs = weight.dims[transB ? 0 : 1]!;
      if (!plain || (bias !== undefined && bias.data.length !== outputs))
        keep('alpha, beta, transA or its bias shape');
      else targets.push({ node, axis: transB ? 0 : 1 });
    }
  }
  return { targets, keptFloat };
}

/**
 * The activations to quantize: each layer's input, and each convolution's output (after its ReLU, when
 * one follows), which the QLinearConv fusion needs and the next layer mostly reads quantized anyway.
 * A Gemm/MatMul output stays float unless another quantized layer reads it: the runtime then keeps a
 * float result (an embedding, logits, a reconstruction) instead of rounding it to 256 levels.
 */
export function activationsToQuantize(g: EditableGraph, targets: readonly Target[]): string[] {
  const values = new Set<string>();
  for (const { node } of targets) {
    values.add(node.input[0]!);
    if (node.opType === 'Conv') values.add(afterRelu(g, node.output[0]!));
  }
  return [...values];
}

/** `value`, or the output of the ReLU that alone reads it (ORT fuses Conv → ReLU → Q). */
function afterRelu(g: EditableGraph, value: string): string {
  const readers = g.consumers(value);
  const [relu] = readers;
  if (readers.length === 1 && relu?.opType === 'Relu' && !g.outputs.includes(value)) return relu.output[0]!;
  return value;
}

export interface Range {
  min: number;
  max: number;
}

/** uint8 with a zero point: the range widened to hold 0 exactly (zero padding, ReLU's floor). */
export function activationScale({ min, max }: Range): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  if (hi - lo < 1e-12) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}

/** Inserts QuantizeLinear → DequantizeLinear after `value`; every reader then reads the dequantized copy. */
export function quantizeActivation(g: EditableGraph, value: string, range: Range): number {
  const { scale, zeroPoint } = activationScale(range);
  const scaleName = g.addInitializer(`${value}_scale`, [], Float32Array.of(scale));
  const zeroName = g.addInitializer(`${value}_zero_point`, [], Uint8Array.of(zeroPoint));
  const q = g.node('QuantizeLinear', [value, scaleName, zeroName]);
  const dq = g.node('DequantizeLinear', [q.output[0]!, scaleName, zeroName]);
  g.redirect(value, dq.output[0]!);
  g.insertAfterProducerOf(value, [q, dq]);
  return scale;
}

/**
 * int8 weights, symmetric per output channel (scale = max|w_c| / 127), and an int32 bias at scale
 * inputScale · w_scale_c, each behind a DequantizeLinear that the layer reads.
 */
export function quantizeWeights(g: EditableGraph, target: Target, inputScale: number): QuantizedLayer {
  const { node, axis } = target;
  const weightName = node.input[1]!;
  const weight = g.floatInitializer(weightName)!;
  const channels = weight.dims[axis]!;
  const inner = weight.dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  weight.data.forEach((w, i) => {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w));
  });
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? Math.fround(m / 127) : 1));
  const quantized = Int8Array.from(weight.data, (w, i) =>
    Math.max(-127, Math.min(127, Math.round(w / scales[channelOf(i)]!))),
  );
  const dqWeight = g.node(
    'DequantizeLinear',
    [
      g.addInitializer(`${weightName}_quantized`, weight.dims, quantized),
      g.addInitializer(`${weightName}_scale`, [channels], scales),
      g.addInitializer(`${weightName}_zero_point`, [channels], new Int8Array(channels)),
    ],
    { axis },
  );
  const inserted = [dqWeight];
  node.input[1] = dqWeight.output[0]!;
  const biasName = node.input[2];
  if (biasName) {
    const bias = g.floatInitializer(biasName)!;
    const biasScales = Float32Array.from(scales, (s) => Math.fround(s * inputScale));
    const biasQuantized = Int32Array.from(bias.data, (b, c) =>
      Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(b / biasScales[c]!))),
    );
    const dqBias = g.node(
      'DequantizeLinear',
      [
        g.addInitializer(`${biasName}_quantized`, [channels], biasQuantized),
        g.addInitializer(`${biasName}_scale`, [channels], biasScales),
        g.addInitializer(`${biasName}_zero_point`, [channels], new Int32Array(channels)),
      ],
      { axis: 0 },
    );
    inserted.push(dqBias);
    node.input[2] = dqBias.output[0]!;
  }
  g.insertBefore(node, inserted);
  return { node: node.name, opType: node.opType, weights: weight.data.length };
}

/**
 * Quantizes `targets` given each activation's range: Q/DQ after every value of `activationsToQuantize`,
 * then int8 weights and int32 biases for each layer. Synchronous and deterministic: the ranges carry
 * everything calibration measured (scripts/make-warmup-graph.ts passes fixed ones).
 */
export function applyQdq(
  g: EditableGraph,
  targets: readonly Target[],
  ranges: ReadonlyMap<string, Range>,
): QuantizedLayer[] {
  const values = activationsToQuantize(g, targets);
  // Each layer's bias scale is its input's scale; once Q/DQ are in, the layer reads the dequantized copy.
  const inputs = targets.map((t) => t.node.input[0]!);
  const scales = new Map<string, number>();
  for (const value of values) {
    const range = ranges.get(value);
    if (range === undefined) throw new Error(`quantize: no range for ${value}`);
    scales.set(value, quantizeActivation(g, value, range));
  }
  const layers = targets.map((target, i) => quantizeWeights(g, target, scales.get(inputs[i]!)!));
  g.pruneInitializers();
  return layers;
}

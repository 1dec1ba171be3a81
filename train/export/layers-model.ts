// tfjs LayersModel → ONNX. Values carry their layout: tfjs keeps images NHWC, ONNX convolutions want
// NCHW, so a Transpose is inserted only where a layer needs the other layout (and cached per value).
import * as tf from '@tensorflow/tfjs';
import { type AttrValue, type Dim, f, OnnxGraph } from './onnx-graph';

type Layout = 'tf' | 'nchw';
interface Value {
  readonly name: string;
  readonly layout: Layout;
  readonly rank: number;
}

export interface LayersExportOptions {
  /** ONNX names for the model's inputs, in order (default: the tfjs names). */
  inputNames?: readonly string[];
  /** ONNX names for the model's outputs, in order (default: the tfjs names). */
  outputNames?: readonly string[];
  graphName?: string;
}

/** TF "same" padding for a forward conv/pool: the odd pixel goes at the end (ONNX SAME_UPPER). */
export function samePadding(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Pads for ConvTranspose so that ONNX crops the full output exactly as tfjs does. */
function transposePadding(size: number, out: number, kernel: number, stride: number, dilation: number) {
  const total = stride * (size - 1) + (kernel - 1) * dilation + 1 - out;
  return total >= 0
    ? { begin: Math.floor(total / 2), end: total - Math.floor(total / 2), extra: 0 }
    : { begin: 0, end: 0, extra: -total };
}

const dims = (shape: readonly (number | null)[]): Dim[] => shape.map((d) => d ?? 'N');

/** The activations tfjs-layers 4.22 registers, written with opset-17 ops (formulas from tfjs-layers' activations.ts). */
export const EXPORTED_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softmax',
  'logSoftmax',
  'elu',
  'selu',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
] as const;

function activation(g: OnnxGraph, name: string | undefined, v: Value): Value {
  const x = v.name;
  const axis = v.layout === 'nchw' ? 1 : v.rank - 1; // tfjs always normalises the channel (last) axis
  const out = (y: string): Value => ({ ...v, name: y });
  const scalar = (base: string, value: number) => g.floats(base, [], [value]);
  switch (name ?? 'linear') {
    case 'linear':
      return v;
    case 'relu':
      return out(g.op('Relu', [x]));
    case 'relu6':
      return out(g.op('Clip', [x, scalar('zero', 0), scalar('six', 6)]));
    case 'sigmoid':
      return out(g.op('Sigmoid', [x]));
    case 'hardSigmoid': // clip(0.2·x + 0.5, 0, 1)
      return out(g.op('HardSigmoid', [x], { alpha: f(0.2), beta: f(0.5) }));
    case 'tanh':
      return out(g.op('Tanh', [x]));
    case 'softmax':
      return out(g.op('Softmax', [x], { axis }));
    case 'logSoftmax':
      return out(g.op('LogSoftmax', [x], { axis }));
    case 'elu':
      return out(g.op('Elu', [x], { alpha: f(1) }));
    case 'selu': // ONNX's default α, γ are the constants of Klambauer et al. 2017, as tfjs uses
      return out(g.op('Selu', [x]));
    case 'softplus':
      return out(g.op('Softplus', [x]));
    case 'softsign':
      return out(g.op('Softsign', [x]));
    case 'swish': // x·σ(x) (tfjs's α = 1)
      return out(g.op('Mul', [x, g.op('Sigmoid', [x])]));
    case 'mish': // x·tanh(softplus(x)); ONNX's Mish op needs opset 18
      return out(g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x])])]));
    case 'gelu': // x·½(1 + erf(x/√2)), the exact form tfjs uses
      return out(
        g.op('Mul', [
          x,
          g.op('Mul', [
            scalar('half', 0.5),
            g.op('Add', [scalar('one', 1), g.op('Erf', [g.op('Div', [x, scalar('sqrt2', Math.SQRT2)])])]),
          ]),
        ]),
      );
    case 'gelu_new': {
      // ½x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation of Hendrycks & Gimpel 2016
      const cube = g.op('Mul', [x, g.op('Mul', [x, x])]);
      const inner = g.op('Mul', [
        scalar('sqrt_2_over_pi', Math.sqrt(2 / Math.PI)),
        g.op('Add', [x, g.op('Mul', [scalar('c', 0.044715), cube])]),
      ]);
      const half = g.op('Mul', [scalar('half', 0.5), x]);
      return out(g.op('Mul', [half, g.op('Add', [scalar('one', 1), g.op('Tanh', [inner])])]));
    }
    default:
      throw new Error(`ONNX export: unsupported activation "${name}"`);
  }
}

interface LayerConfig {
  activation?: string;
  useBias?: boolean;
  kernelSize?: number[];
  strides?: number[];
  poolSize?: number[];
  dilationRate?: number[];
  padding?: string;
  dataFormat?: string;
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  /** PretextBatchNorm: ReLU fused after the normalisation. */
  relu?: boolean;
  alpha?: number;
  maxValue?: number | null;
}

/** BatchNorm's four vectors; a disabled γ (scale: false) is 1 and a disabled β (center: false) is 0. */
function batchNormStatistics(layer: tf.layers.Layer, cfg: LayerConfig, channels: number) {
  const w = layer.getWeights().map((t) => t.dataSync() as Float32Array);
  let k = 0;
  const next = () => {
    const v = w[k++];
    if (!v) throw new Error(`ONNX export: ${layer.name} is missing weight ${k - 1}`);
    return v;
  };
  // Plain arrays, not tf.ones/tf.zeros: those would be tensors that nobody disposes.
  const gamma = cfg.scale === false ? new Float32Array(channels).fill(1) : next();
  const beta = cfg.center === false ? new Float32Array(channels) : next();
  return { gamma, beta, mean: next(), variance: next() };
}

/**
 * Writes the layers of `model` into `g`. `inputs` are the ONNX values that feed the model's inputs
 * (in tfjs layout: NHWC for images); returns the ONNX values of the model's outputs, in tfjs layout
 * and in the order of `model.outputs`. This is how another graph embeds a tfjs model — e.g. the
 * k-means graph puts an encoder in front of its distance computation.
 */
export function appendLayersModel(g: OnnxGraph, model: tf.LayersModel, inputs: readonly string[]): string[] {
  if (inputs.length !== model.inputs.length) {
    throw new Error(`ONNX export: ${model.name} has ${model.inputs.length} inputs, got ${inputs.length}`);
  }
  const values = new Map<string, Value>();
  const transposed = new Map<string, Value>();
  const relayout = (v: Value, to: Layout): Value => {
    if (v.layout === to) return v;
    if (v.rank !== 4) throw new Error(`ONNX export: layout change needs a rank-4 tensor, got rank ${v.rank}`);
    const key = `${v.name}>${to}`;
    let t = transposed.get(key);
    if (!t) {
      t = {
        name: g.op('Transpose', [v.name], { perm: to === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1] }),
        layout: to,
        rank: 4,
      };
      transposed.set(key, t);
    }
    return t;
  };
  const weight = (base: string, t: tf.Tensor) => g.floats(base, t.shape, t.dataSync());

  model.inputs.forEach((input, i) => {
    values.set(input.name, { name: inputs[i]!, layout: 'tf', rank: input.shape.length });
  });

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1)
      throw new Error(`ONNX export: layer ${layer.name} is shared; not supported`);
    const cfg = layer.getConfig() as LayerConfig;
    if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') {
      throw new Error(`ONNX export: ${layer.name} uses ${cfg.dataFormat}; only channelsLast is supported`);
    }
    const inSym = layer.input as tf.SymbolicTensor;
    const outSym = layer.output as tf.SymbolicTensor;
    if (Array.isArray(inSym) || Array.isArray(outSym)) {
      throw new Error(`ONNX export: multi-input layer ${layer.name} (${cls}) is not supported`);
    }
    let x = values.get(inSym.name);
    if (!x) throw new Error(`ONNX export: input of ${layer.name} was not produced by an exported layer`);
    const inShape = inSym.shape as number[];
    const outShape = outSym.shape as (number | null)[];
    const w = layer.getWeights();
    const at = (i: number): tf.Tensor => {
      const t = w[i];
      if (!t) throw new Error(`ONNX export: ${layer.name} is missing weight ${i}`);
      return t;
    };
    let y: Value;
    switch (cls) {
      case 'Dense': {
        x = relayout(x, 'tf');
        const ins = [x.name, weight(`${layer.name}_W`, at(0))]; // tfjs kernel is [in, out], as MatMul's B
        if (cfg.useBias) ins.push(weight(`${layer.name}_b`, at(1)));
        const yn =
          x.rank === 2
            ? g.op('Gemm', ins)
            : cfg.useBias
              ? g.op('Add', [g.op('MatMul', [ins[0]!, ins[1]!]), ins[2]!])
              : g.op('MatMul', ins);
        y = activation(g, cfg.activation, { name: yn, layout: 'tf', rank: x.rank });
        break;
      }
      case 'Conv2D':
      case 'Conv2DTranspose': {
        x = relayout(x, 'nchw');
        const [kh, kw] = cfg.kernelSize as [number, number];
        const [sh, sw] = cfg.strides as [number, number];
        // tfjs's Conv2DTranspose.call ignores dilationRate (tf.conv2dTranspose has no such argument),
        // so the graph must too: parity is with what tfjs computes.
        const [dh, dw] =
          cls === 'Conv2D' ? ((cfg.dilationRate ?? [1, 1]) as [number, number]) : ([1, 1] as const);
        // Conv2D kernel [kh,kw,in,out] → [out,in,kh,kw]; Conv2DTranspose [kh,kw,out,in] → [in,out,kh,kw].
        const kernel = tf.tidy(() => tf.transpose(at(0), [3, 2, 0, 1]));
        const ins = [x.name, weight(`${layer.name}_W`, kernel)];
        kernel.dispose();
        if (cfg.useBias) ins.push(weight(`${layer.name}_b`, at(1)));
        const attrs: Record<string, AttrValue> = {
          kernel_shape: [kh, kw],
          strides: [sh, sw],
          dilations: [dh, dw],
        };
        if (cls === 'Conv2D') {
          const [t, b] = cfg.padding === 'same' ? samePadding(inShape[1]!, kh, sh, dh) : [0, 0];
          const [l, r] = cfg.padding === 'same' ? samePadding(inShape[2]!, kw, sw, dw) : [0, 0];
          attrs.pads = [t, l, b, r];
          y = activation(g, cfg.activation, { name: g.op('Conv', ins, attrs), layout: 'nchw', rank: 4 });
        } else {
          const ph = transposePadding(inShape[1]!, outShape[1]!, kh, sh, dh);
          const pw = transposePadding(inShape[2]!, outShape[2]!, kw, sw, dw);
          attrs.pads = [ph.begin, pw.begin, ph.end, pw.end];
          if (ph.extra || pw.extra) attrs.output_padding = [ph.extra, pw.extra];
          y = activation(g, cfg.activation, {
            name: g.op('ConvTranspose', ins, attrs),
            layout: 'nchw',
            rank: 4,
          });
        }
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        x = relayout(x, 'nchw');
        const [kh, kw] = cfg.poolSize as [number, number];
        const [sh, sw] = (cfg.strides ?? cfg.poolSize) as [number, number];
        const [t, b] = cfg.padding === 'same' ? samePadding(inShape[1]!, kh, sh) : [0, 0];
        const [l, r] = cfg.padding === 'same' ? samePadding(inShape[2]!, kw, sw) : [0, 0];
        // AveragePool's count_include_pad defaults to 0, which matches tfjs "same" averaging.
        const op = cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
        const pooled = g.op(op, [x.name], { kernel_shape: [kh, kw], strides: [sh, sw], pads: [t, l, b, r] });
        y = { name: pooled, layout: 'nchw', rank: 4 };
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        x = relayout(x, 'nchw');
        const pooled = g.op(cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [
          x.name,
        ]);
        y = { name: g.op('Flatten', [pooled], { axis: 1 }), layout: 'tf', rank: 2 };
        break;
      }
      case 'BatchNormalization':
      case 'PretextBatchNorm': {
        const axis = cfg.axis ?? -1;
        if (axis !== -1 && axis !== x.rank - 1)
          throw new Error(
            `ONNX export: ${layer.name} normalises axis ${axis}; only the last axis is supported`,
          );
        const channels = inShape[inShape.length - 1]!;
        const s = batchNormStatistics(layer, cfg, channels);
        const eps = cfg.epsilon ?? 1e-3;
        if (x.rank === 2 || x.rank === 4) {
          // ONNX BatchNormalization normalises axis 1: the channels of NCHW, the features of [N, C].
          x = x.rank === 4 ? relayout(x, 'nchw') : x;
          const ins = [
            x.name,
            g.floats(`${layer.name}_gamma`, [channels], s.gamma),
            g.floats(`${layer.name}_beta`, [channels], s.beta),
            g.floats(`${layer.name}_mean`, [channels], s.mean),
            g.floats(`${layer.name}_var`, [channels], s.variance),
          ];
          y = { ...x, name: g.op('BatchNormalization', ins, { epsilon: f(eps) }) };
        } else {
          // Other ranks keep channels last, where axis 1 is not the channel axis: fold the inference
          // formula γ(x − μ)/√(σ² + ε) + β into x·a + b, broadcast over the last axis.
          x = relayout(x, 'tf');
          const a = new Float32Array(channels);
          const b = new Float32Array(channels);
          for (let c = 0; c < channels; c++) {
            a[c] = s.gamma[c]! / Math.sqrt(s.variance[c]! + eps);
            b[c] = s.beta[c]! - s.mean[c]! * a[c]!;
          }
          const scaled = g.op('Mul', [x.name, g.floats(`${layer.name}_a`, [channels], a)]);
          y = { ...x, name: g.op('Add', [scaled, g.floats(`${layer.name}_b`, [channels], b)]) };
        }
        // The project's layer (train/models/batch-norm.ts) may fuse the ReLU that follows.
        if (cls === 'PretextBatchNorm' && cfg.relu === true) y = activation(g, 'relu', y);
        break;
      }
      case 'Flatten':
        x = relayout(x, 'tf'); // tfjs flattens in NHWC order
        y = { name: g.op('Flatten', [x.name], { axis: 1 }), layout: 'tf', rank: 2 };
        break;
      case 'Reshape': {
        x = relayout(x, 'tf'); // tfjs reshapes in NHWC order
        const shape = g.ints(`${layer.name}_shape`, [0, ...outShape.slice(1).map((d) => d ?? -1)]); // 0 keeps N
        y = { name: g.op('Reshape', [x.name, shape]), layout: 'tf', rank: outShape.length };
        break;
      }
      case 'Activation':
        y = activation(g, cfg.activation, x);
        break;
      case 'ReLU':
        // tf.layers.reLU({maxValue}) clips at maxValue; without it, it is a plain ReLU.
        y =
          cfg.maxValue == null
            ? activation(g, 'relu', x)
            : {
                ...x,
                name: g.op('Clip', [
                  x.name,
                  g.floats('zero', [], [0]),
                  g.floats(`${layer.name}_max`, [], [cfg.maxValue]),
                ]),
              };
        break;
      case 'ELU':
        y = { ...x, name: g.op('Elu', [x.name], { alpha: f(cfg.alpha ?? 1) }) };
        break;
      case 'LeakyReLU':
        y = { ...x, name: g.op('LeakyRelu', [x.name], { alpha: f(cfg.alpha ?? 0.3) }) };
        break;
      case 'Softmax': {
        const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
        if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== x.rank - 1))
          throw new Error(
            `ONNX export: ${layer.name} takes the softmax over axis ${axis}; only the last is supported`,
          );
        y = activation(g, 'softmax', x);
        break;
      }
      case 'Dropout':
      case 'GaussianNoise':
      case 'GaussianDropout':
        y = x; // identity at inference
        break;
      default:
        throw new Error(`ONNX export: unsupported layer ${cls} (${layer.name})`);
    }
    values.set(outSym.name, y);
  }

  return model.outputs.map((output) => {
    const v = values.get(output.name);
    if (!v) throw new Error(`ONNX export: output ${output.name} was not produced`);
    return relayout(v, 'tf').name;
  });
}

export function exportLayersModel(model: tf.LayersModel, options: LayersExportOptions = {}): Uint8Array {
  const g = new OnnxGraph(options.graphName ?? model.name);
  const inputs = model.inputs.map((input, i) =>
    g.input(options.inputNames?.[i] ?? model.inputNames[i] ?? `input_${i}`, dims(input.shape)),
  );
  appendLayersModel(g, model, inputs).forEach((value, i) => {
    const output = model.outputs[i]!;
    g.output(value, options.outputNames?.[i] ?? model.outputNames[i] ?? `output_${i}`, dims(output.shape));
  });
  return g.toBytes();
}

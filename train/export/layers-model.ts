// tfjs LayersModel → ONNX: walks the model's layers in order and hands each to the exporter of its kind
// (./layers/index.ts), keeping every value's layout (./layers/context.ts) so that a Transpose is inserted
// only where a layer needs the other one.
import type * as tf from '@tensorflow/tfjs';
import type { LayerConfig, LayerContext, Layout, Value } from './layers/context';
import { LAYER_EXPORTERS } from './layers/index';
import { type Dim, OnnxGraph } from './onnx-graph';

export interface LayersExportOptions {
  /** ONNX names for the model's inputs, in order (default: the tfjs names). */
  inputNames?: readonly string[];
  /** ONNX names for the model's outputs, in order (default: the tfjs names). */
  outputNames?: readonly string[];
  graphName?: string;
}

const dims = (shape: readonly (number | null)[]): Dim[] => shape.map((d) => d ?? 'N');

/** `relayout` for one graph: NHWC ⇄ NCHW by Transpose, each value transposed at most once per layout. */
function relayouter(g: OnnxGraph): (v: Value, to: Layout) => Value {
  const transposed = new Map<string, Value>();
  return (v, to) => {
    if (v.layout === to) return v;
    if (v.rank !== 4) throw new Error(`ONNX export: layout change needs a rank-4 tensor, got rank ${v.rank}`);
    const key = `${v.name}>${to}`;
    let t = transposed.get(key);
    if (!t) {
      const perm = to === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1];
      t = { name: g.op('Transpose', [v.name], { perm }), layout: to, rank: 4 };
      transposed.set(key, t);
    }
    return t;
  };
}

/** What every layer must be to be exported: single-node, single-input, channels-last, fed by the graph. */
function layerContext(
  g: OnnxGraph,
  layer: tf.layers.Layer,
  values: ReadonlyMap<string, Value>,
  relayout: LayerContext['relayout'],
): LayerContext & { output: string } {
  const cls = layer.getClassName();
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
  const x = values.get(inSym.name);
  if (!x) throw new Error(`ONNX export: input of ${layer.name} was not produced by an exported layer`);
  const weights = layer.getWeights();
  const weight = (i: number): tf.Tensor => {
    const t = weights[i];
    if (!t) throw new Error(`ONNX export: ${layer.name} is missing weight ${i}`);
    return t;
  };
  return {
    g,
    layer,
    cls,
    cfg,
    x,
    inShape: inSym.shape as number[],
    outShape: outSym.shape,
    weight,
    initializer: (suffix, t) => g.floats(`${layer.name}_${suffix}`, t.shape, t.dataSync()),
    relayout,
    output: outSym.name,
  };
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
  const relayout = relayouter(g);
  model.inputs.forEach((input, i) => {
    values.set(input.name, { name: inputs[i]!, layout: 'tf', rank: input.shape.length });
  });
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    const context = layerContext(g, layer, values, relayout);
    const exporter = LAYER_EXPORTERS[cls];
    if (exporter === undefined) throw new Error(`ONNX export: unsupported layer ${cls} (${layer.name})`);
    values.set(context.output, exporter(context));
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

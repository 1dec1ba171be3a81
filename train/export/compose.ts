// ONNX-level composition: keep the part of an exported model that computes one of its outputs (an
// encoder's "embedding") and build on it. Works for every committed model, whatever method made it,
// without its training code or weights in any other form.
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ValueInfoProto } from 'onnx-buf';
import { IR_VERSION, OnnxGraph, OPSET } from './onnx-graph';

export interface EmbeddingGraph {
  /** A graph holding the model's input and every node the embedding needs, ready for more nodes. */
  graph: OnnxGraph;
  /** The graph input (e.g. "x"). */
  input: string;
  /** The value that carries the embedding [N, dim]. */
  embedding: string;
  dim: number;
}

function dimsOf(v: ValueInfoProto): (number | string)[] {
  if (v.type?.value.case !== 'tensorType') throw new Error(`ONNX compose: ${v.name} is not a tensor`);
  return (v.type.value.value.shape?.dim ?? []).map((d) =>
    d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : '?',
  );
}

/**
 * Decodes `bytes` and keeps only what computes `output`; the model's own outputs are dropped, so the
 * caller declares the composed graph's outputs. The model must come from this exporter's IR / opset
 * (the appended nodes follow opset {@link OPSET}) and have one input.
 */
export function graphUpTo(bytes: Uint8Array, output = 'embedding', graphName?: string): EmbeddingGraph {
  const model = fromBinary(ModelProtoSchema, bytes);
  const source = model.graph;
  if (!source) throw new Error('ONNX compose: the model has no graph');
  const opsets = model.opsetImport.map((o) => `${o.domain || 'ai.onnx'}:${o.version}`);
  if (Number(model.irVersion) !== IR_VERSION || opsets.join() !== `ai.onnx:${OPSET}`) {
    throw new Error(
      `ONNX compose: ${source.name} has IR ${model.irVersion} and opsets [${opsets}]; only IR ${IR_VERSION} with ai.onnx:${OPSET} can be extended`,
    );
  }
  const target = source.output.find((o) => o.name === output);
  if (!target) {
    throw new Error(
      `ONNX compose: ${source.name} has no output "${output}"; it has ${source.output.map((o) => o.name).join(', ')}`,
    );
  }
  const shape = dimsOf(target);
  const dim = shape[1];
  if (shape.length !== 2 || typeof dim !== 'number') {
    throw new Error(`ONNX compose: output "${output}" must be [N, dim], got [${shape}]`);
  }
  const initializerNames = new Set(source.initializer.map((t) => t.name));
  const inputs = source.input.filter((i) => !initializerNames.has(i.name));
  if (inputs.length !== 1) throw new Error(`ONNX compose: expected one input, got ${inputs.length}`);

  // Walk back from the output: a node stays if it produces something a kept node (or the output) reads.
  const needed = new Set([output]);
  const kept = [];
  for (const node of [...source.node].reverse()) {
    if (!node.output.some((o) => needed.has(o))) continue;
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      throw new Error(`ONNX compose: node ${node.name} uses domain ${node.domain}`);
    }
    kept.push(node);
    for (const i of node.input) needed.add(i);
  }
  kept.reverse();

  const graph = new OnnxGraph(graphName ?? source.name);
  graph.adopt({
    inputs,
    nodes: kept,
    initializers: source.initializer.filter((t) => needed.has(t.name)),
    valueInfo: source.valueInfo.filter((v) => needed.has(v.name)),
  });
  return { graph, input: inputs[0]!.name, embedding: output, dim };
}

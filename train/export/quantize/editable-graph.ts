// An ONNX model opened for editing, for the passes that turn an exported float graph into its int8
// variant (./fold-batch-norm.ts, ./qdq.ts): initializers as typed arrays, who produces and who reads
// each value, fresh names, and nodes inserted where the graph's order needs them. The exporter's own
// writer (../onnx-graph.ts) builds graphs forwards; this edits one that exists.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttributeType,
  TensorProto_DataType as DataType,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from 'onnx-buf';

/** The element types the quantizer writes, as ONNX numbers them. */
export const ELEMENT = {
  float32: DataType.FLOAT,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  int32: DataType.INT32,
};

export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

export type TypedData = Float32Array | Uint8Array | Int8Array | Int32Array;

const elementOf = (data: TypedData): DataType =>
  data instanceof Float32Array
    ? DataType.FLOAT
    : data instanceof Uint8Array
      ? DataType.UINT8
      : data instanceof Int8Array
        ? DataType.INT8
        : DataType.INT32;

export class EditableGraph {
  readonly #model: ModelProto;
  #nodes: NodeProto[];
  readonly #initializers = new Map<string, TensorProto>();
  readonly #used = new Set<string>();
  readonly #pruned = new Set<string>();
  #counter = 0;

  constructor(bytes: Uint8Array) {
    this.#model = fromBinary(ModelProtoSchema, bytes);
    const graph = this.#model.graph;
    if (graph === undefined) throw new Error('quantize: the model has no graph');
    this.#nodes = [...graph.node];
    for (const t of graph.initializer) this.#initializers.set(t.name, t);
    for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) this.#used.add(v.name);
    for (const n of this.#nodes) for (const name of [n.name, ...n.input, ...n.output]) this.#used.add(name);
    for (const name of this.#initializers.keys()) this.#used.add(name);
  }

  get name(): string {
    return this.#model.graph!.name;
  }

  /** The nodes in graph (topological) order; a copy, edit through the methods. */
  get nodes(): readonly NodeProto[] {
    return this.#nodes;
  }

  /** The graph inputs that are not initializers. */
  get inputs(): string[] {
    return this.#model.graph!.input.map((i) => i.name).filter((name) => !this.#initializers.has(name));
  }

  get outputs(): string[] {
    return this.#model.graph!.output.map((o) => o.name);
  }

  fresh(base: string): string {
    const stem = base.replace(/[^A-Za-z0-9_]/g, '_');
    let name = `${stem}_q${this.#counter++}`;
    while (this.#used.has(name)) name = `${stem}_q${this.#counter++}`;
    this.#used.add(name);
    return name;
  }

  isInitializer(name: string): boolean {
    return this.#initializers.has(name);
  }

  /** A float32 initializer's values, or undefined when `name` is not one. */
  floatInitializer(name: string): FloatTensor | undefined {
    const t = this.#initializers.get(name);
    if (t === undefined || t.dataType !== DataType.FLOAT) return undefined;
    const data =
      t.rawData.length > 0
        ? new Float32Array(Uint8Array.from(t.rawData).buffer)
        : Float32Array.from(t.floatData);
    return { dims: t.dims.map(Number), data };
  }

  /** Adds an initializer under a fresh name derived from `base`; returns the name. */
  addInitializer(base: string, dims: readonly number[], data: TypedData): string {
    const name = this.fresh(base);
    this.setInitializer(name, dims, data);
    return name;
  }

  /** Creates or replaces the initializer `name`. */
  setInitializer(name: string, dims: readonly number[], data: TypedData): void {
    const raw = new Uint8Array(data.byteLength);
    raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.#used.add(name);
    this.#initializers.set(
      name,
      create(TensorProtoSchema, {
        name,
        dims: dims.map((d) => BigInt(d)),
        dataType: elementOf(data),
        rawData: raw,
      }),
    );
  }

  /** The node that writes `value`, if any (graph inputs and initializers have none). */
  producer(value: string): NodeProto | undefined {
    return this.#nodes.find((n) => n.output.includes(value));
  }

  /** The nodes that read `value`. */
  consumers(value: string): NodeProto[] {
    return this.#nodes.filter((n) => n.input.includes(value));
  }

  /** A new node (not yet in the graph) with one output named from `opType`. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, number> = {}): NodeProto {
    return create(NodeProtoSchema, {
      opType,
      name: this.fresh(`${opType}_node`),
      input: [...inputs],
      output: [this.fresh(opType)],
      attribute: Object.entries(attributes).map(([name, i]) =>
        create(AttributeProtoSchema, { name, type: AttributeType.INT, i: BigInt(i) }),
      ),
    });
  }

  /** Inserts `nodes` right after the producer of `value` (at the start for a graph input). */
  insertAfterProducerOf(value: string, nodes: readonly NodeProto[]): void {
    const producer = this.producer(value);
    const at = producer === undefined ? 0 : this.#nodes.indexOf(producer) + 1;
    this.#nodes.splice(at, 0, ...nodes);
  }

  /** Inserts `nodes` right before `node`. */
  insertBefore(node: NodeProto, nodes: readonly NodeProto[]): void {
    this.#nodes.splice(this.#nodes.indexOf(node), 0, ...nodes);
  }

  removeNode(node: NodeProto): void {
    this.#nodes = this.#nodes.filter((n) => n !== node);
  }

  /** Every reader of `from` except `except` reads `to` instead (graph outputs keep their names). */
  redirect(from: string, to: string, except: readonly NodeProto[] = []): void {
    for (const node of this.#nodes) {
      if (except.includes(node)) continue;
      node.input = node.input.map((name) => (name === from ? to : name));
    }
  }

  /** Drops initializers that no node reads any more. */
  pruneInitializers(): void {
    const read = new Set(this.#nodes.flatMap((n) => n.input));
    for (const name of [...this.#initializers.keys()]) {
      if (read.has(name)) continue;
      this.#initializers.delete(name);
      this.#pruned.add(name);
    }
  }

  /** The model with `outputs` as extra graph outputs (float32, shape left to the runtime). */
  withExtraOutputs(outputs: readonly string[]): Uint8Array {
    const extra = outputs.map((name) =>
      create(ValueInfoProtoSchema, {
        name,
        type: { value: { case: 'tensorType', value: { elemType: DataType.FLOAT } } },
      }),
    );
    return this.#serialise({ extraOutputs: extra });
  }

  toBytes(): Uint8Array {
    return this.#serialise({});
  }

  #serialise({ extraOutputs = [] }: { extraOutputs?: ValueInfoProto[] }): Uint8Array {
    const graph = this.#model.graph!;
    const model = create(ModelProtoSchema, {
      ...this.#model,
      graph: {
        ...graph,
        node: this.#nodes,
        initializer: [...this.#initializers.values()],
        // An initializer also listed as an input (older exporters do) must go with it.
        input: graph.input.filter((i) => !this.#pruned.has(i.name)),
        output: [...graph.output, ...extraOutputs],
        // Shapes recorded for values that no longer exist, or changed type, would mislead the runtime.
        valueInfo: [],
      },
    });
    return toBinary(ModelProtoSchema, model);
  }
}

// A small ONNX graph builder on the maintained protobuf bindings (onnx-buf, generated from the ONNX
// 1.20 schema with @bufbuild/protobuf). Every exporter (layers models, PCA, k-means) writes through it.
import { create, toBinary } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttributeType,
  TensorProto_DataType as DataType,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from 'onnx-buf';

/** IR 8 / opset 17: the newest pair that onnx 1.12's checker and onnxruntime 1.30 both accept. */
export const IR_VERSION = 8;
export const OPSET = 17;

/** A float attribute must be tagged, since JS numbers cannot tell 1 from 1.0. */
export interface FloatAttr {
  readonly float: number;
}
export type AttrValue = number | readonly number[] | string | FloatAttr;
export const f = (value: number): FloatAttr => ({ float: value });

export type ElemType = 'float32' | 'int64';
/** A dimension: a fixed size, or a symbolic name such as "N" for the batch. */
export type Dim = number | string;

function attribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'string') {
    return create(AttributeProtoSchema, {
      name,
      type: AttributeType.STRING,
      s: new TextEncoder().encode(value),
    });
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer; use f(x)`);
    return create(AttributeProtoSchema, { name, type: AttributeType.INT, i: BigInt(value) });
  }
  if ('float' in value)
    return create(AttributeProtoSchema, { name, type: AttributeType.FLOAT, f: value.float });
  return create(AttributeProtoSchema, { name, type: AttributeType.INTS, ints: value.map((v) => BigInt(v)) });
}

function valueInfo(name: string, shape: readonly Dim[], elem: ElemType): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType: elem === 'float32' ? DataType.FLOAT : DataType.INT64,
          shape: {
            dim: shape.map((d) =>
              typeof d === 'number'
                ? { value: { case: 'dimValue' as const, value: BigInt(d) } }
                : { value: { case: 'dimParam' as const, value: d } },
            ),
          },
        },
      },
    },
  });
}

/** Parts of an existing graph that a new one starts from (see compose.ts). */
export interface GraphParts {
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  valueInfo: readonly ValueInfoProto[];
}

export class OnnxGraph {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly valueInfo: ValueInfoProto[] = [];
  /** Every value and node name in the graph, so fresh names never collide with adopted ones. */
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name derived from `base`. */
  fresh(base: string): string {
    const stem = base.replace(/[^A-Za-z0-9_]/g, '_');
    let name = `${stem}_${this.counter++}`;
    while (this.used.has(name)) name = `${stem}_${this.counter++}`;
    this.used.add(name);
    return name;
  }

  /** Claims an exact name; two values with one name would make an invalid graph. */
  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX graph ${this.name}: the name "${name}" is already used`);
    this.used.add(name);
    return name;
  }

  /** Starts from the nodes, initializers and inputs of another graph (already in topological order). */
  adopt(parts: GraphParts): void {
    for (const i of parts.inputs) {
      this.inputs.push(i);
      this.used.add(i.name);
    }
    for (const t of parts.initializers) {
      this.initializers.push(t);
      this.used.add(t.name);
    }
    this.valueInfo.push(...parts.valueInfo);
    for (const n of parts.nodes) {
      this.nodes.push(n);
      this.used.add(n.name);
      for (const o of n.output) this.used.add(o);
    }
  }

  input(name: string, shape: readonly Dim[], elem: ElemType = 'float32'): string {
    this.inputs.push(valueInfo(this.claim(name), shape, elem));
    return name;
  }

  /** Expose `value` as a graph output called `name` (through an Identity so the name is exact). */
  output(value: string, name: string, shape: readonly Dim[], elem: ElemType = 'float32'): void {
    this.op('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, shape, elem));
  }

  /** Add one node with a single output and return that output's name. */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outName?: string,
  ): string {
    const out = outName === undefined ? this.fresh(opType) : this.claim(outName);
    this.nodes.push(
      create(NodeProtoSchema, {
        opType,
        name: this.fresh(`${opType}_node`),
        input: [...inputs],
        output: [out],
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return out;
  }

  /** A constant tensor stored as little-endian raw_data (every ORT target is little-endian). */
  constant(base: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (expected !== data.length)
      throw new Error(`constant ${base}: dims ${dims} need ${expected} values, got ${data.length}`);
    const name = this.fresh(base);
    const raw = new Uint8Array(data.byteLength);
    raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push(
      create(TensorProtoSchema, {
        name,
        dims: dims.map((d) => BigInt(d)),
        dataType: data instanceof Float32Array ? DataType.FLOAT : DataType.INT64,
        rawData: raw,
      }),
    );
    return name;
  }

  floats(base: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.constant(base, dims, Float32Array.from(values));
  }

  ints(base: string, values: readonly number[]): string {
    return this.constant(base, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  toBytes(producer = 'pretext'): Uint8Array {
    const model = create(ModelProtoSchema, {
      irVersion: BigInt(IR_VERSION),
      opsetImport: [{ domain: '', version: BigInt(OPSET) }],
      producerName: producer,
      producerVersion: '1',
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
        valueInfo: this.valueInfo,
      },
    });
    return toBinary(ModelProtoSchema, model);
  }
}

// What a layer exporter sees (./index.ts maps each tfjs layer class to one): the layer, its config, its
// input as an ONNX value, and helpers that change a value's layout and write weights. Values carry their
// layout: tfjs keeps images NHWC, ONNX convolutions want NCHW, so a Transpose is inserted only where a
// layer needs the other layout (and cached per value).
import type * as tf from '@tensorflow/tfjs';
import type { OnnxGraph } from '../onnx-graph';

export type Layout = 'tf' | 'nchw';

export interface Value {
  readonly name: string;
  readonly layout: Layout;
  readonly rank: number;
}

/** The part of a tfjs layer config the exporters read. */
export interface LayerConfig {
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
  /** PretextBatchNorm: a ReLU fused after the normalisation. */
  relu?: boolean;
  alpha?: number;
  maxValue?: number | null;
}

export interface LayerContext {
  g: OnnxGraph;
  layer: tf.layers.Layer;
  /** The layer's class name (`Dense`, `Conv2D`, …). */
  cls: string;
  cfg: LayerConfig;
  /** The layer's input, in whatever layout the previous layer left it. */
  x: Value;
  /** tfjs shapes, batch first (NHWC for images). */
  inShape: readonly number[];
  outShape: readonly (number | null)[];
  /** The layer's i-th weight tensor; throws if it has none. */
  weight(i: number): tf.Tensor;
  /** Writes a tensor as an initializer named after the layer; returns its name. */
  initializer(suffix: string, t: tf.Tensor): string;
  /** `v` in layout `to`: itself, or a (cached) Transpose of it. */
  relayout(v: Value, to: Layout): Value;
}

/** Exports one layer: appends its ops to the graph and returns the value of its output. */
export type LayerExporter = (c: LayerContext) => Value;

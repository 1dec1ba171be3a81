// A 2-D convolution layer (NHWC, no dilation) built on the plain tf.conv2d op. tfjs's own Conv2D
// layer calls tf.fused.conv2d, whose custom gradient computes the input gradient eagerly even for a
// network's first layer, whose input is data: here the op's registered gradient is used, and tfjs
// prunes what nothing needs (for a 28×28×32 first layer, a full pass over the batch per step).
// Its config has the keys of tfjs's Conv2D, so the ONNX exporter writes it the same way.
import * as tf from '@tensorflow/tfjs';

export interface Conv2DOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
  useBias?: boolean;
  kernelInitializer: ReturnType<typeof tf.initializers.heNormal>;
  name?: string;
}

type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;

export class Conv2D extends tf.layers.Layer {
  static className = 'PretextConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly useBias: boolean;
  readonly #init: ReturnType<typeof tf.initializers.heNormal>;
  kernel!: LayerVariable;
  bias: LayerVariable | undefined;

  constructor(o: Conv2DOptions) {
    super(o.name === undefined ? {} : { name: o.name });
    this.filters = o.filters;
    this.kernelSize = o.kernelSize;
    this.strides = o.strides ?? 1;
    this.padding = o.padding ?? 'same';
    this.useBias = o.useBias ?? true;
    this.#init = o.kernelInitializer;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the channel axis needs a known size`);
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize, this.kernelSize, channels, this.filters],
      'float32',
      this.#init,
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const out = (size: number | null) =>
      size == null
        ? null
        : this.padding === 'same'
          ? Math.ceil(size / this.strides)
          : Math.ceil((size - this.kernelSize + 1) / this.strides);
    return [n ?? null, out(h ?? null), out(w ?? null), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const y = tf.conv2d(x, this.kernel.read() as tf.Tensor4D, this.strides, this.padding);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize, this.kernelSize],
      strides: [this.strides, this.strides],
      padding: this.padding,
      dilationRate: [1, 1],
      dataFormat: 'channelsLast',
      activation: 'linear',
      useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(Conv2D);

export function conv2d(o: Conv2DOptions): Conv2D {
  return new Conv2D(o);
}

// A small CNN backbone for 28×28 images (used by the self-supervised methods): three 3×3 conv
// blocks (stride 2 after the first) with batch norm, global average pooling, then a dense
// representation layer. x [N,784] → representation [N, width].
import * as tf from '@tensorflow/tfjs';

export interface ConvEncoderOptions {
  filters: readonly number[];
  /** Size of the representation the downstream tasks use. */
  width: number;
  seed: number;
  name?: string;
}

export function buildConvEncoder(o: ConvEncoderOptions): tf.LayersModel {
  let seed = o.seed;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const x = tf.input({ shape: [784], name: 'x' });
  let h = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  o.filters.forEach((filters, i) => {
    h = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        strides: i === 0 ? 1 : 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
      })
      .apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const representation = tf.layers
    .dense({ units: o.width, activation: 'relu', kernelInitializer: init(), name: 'representation' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: representation, name: o.name ?? 'conv_encoder' });
}

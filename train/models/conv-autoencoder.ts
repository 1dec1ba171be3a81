// Convolutional undercomplete autoencoder: strided convolutions down to a dense code h, transposed
// convolutions back up (the lecture's hourglass, with weight sharing across positions).
// One functional model x [N,784] → (embedding [N,bottleneck], reconstruction [N,784]).
import * as tf from '@tensorflow/tfjs';

export interface ConvAutoencoderOptions {
  /** Filters of the two stride-2 convolutions (28→14→7). */
  filters: readonly [number, number];
  bottleneck: number;
  seed: number;
}

export function buildConvAutoencoder(o: ConvAutoencoderOptions): tf.LayersModel {
  let seed = o.seed;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const [f1, f2] = o.filters;
  const x = tf.input({ shape: [784], name: 'x' });
  const conv = (filters: number, name: string) =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(),
      name,
    });
  let h = tf.layers.reshape({ targetShape: [28, 28, 1], name: 'to_image' }).apply(x) as tf.SymbolicTensor;
  h = conv(f1, 'encoder_conv_0').apply(h) as tf.SymbolicTensor;
  h = conv(f2, 'encoder_conv_1').apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'encoder_flatten' }).apply(h) as tf.SymbolicTensor;
  const code = tf.layers
    .dense({ units: o.bottleneck, kernelInitializer: init(), name: 'embedding' })
    .apply(h) as tf.SymbolicTensor;
  let y = tf.layers
    .dense({ units: 7 * 7 * f2, activation: 'relu', kernelInitializer: init(), name: 'decoder_dense' })
    .apply(code) as tf.SymbolicTensor;
  y = tf.layers.reshape({ targetShape: [7, 7, f2], name: 'decoder_reshape' }).apply(y) as tf.SymbolicTensor;
  const deconv = (filters: number, activation: 'relu' | 'sigmoid', name: string) =>
    tf.layers.conv2dTranspose({
      filters,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation,
      kernelInitializer: init(),
      name,
    });
  y = deconv(f1, 'relu', 'decoder_deconv_0').apply(y) as tf.SymbolicTensor;
  y = deconv(1, 'sigmoid', 'decoder_deconv_1').apply(y) as tf.SymbolicTensor;
  const reconstruction = tf.layers.flatten({ name: 'reconstruction' }).apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: [code, reconstruction], name: 'conv_autoencoder' });
}

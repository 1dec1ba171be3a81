// The CNN backbone of the self-supervised methods for 28×28 images: three 3×3 conv blocks (stride 1,
// then 2, then 2: 28 → 14 → 7) with batch norm and ReLU, then the 7×7 map flattened into a dense
// representation layer. x [N,784] → representation [N, width].
//
// Flatten, not global average pooling: a pretext task about *where* things are (which tile went
// where, which way is up) cannot be learned once pooling has summed the map over positions. With
// global average pooling the jigsaw model stayed at chance (1/24) and RotNet at 0.62; with the
// map flattened they reach 0.94 and 0.96 after 3 epochs on 6,000 images (the pretext-quality issue's
// measurements). `pooling: 'average'` keeps the old head for comparison.
import * as tf from '@tensorflow/tfjs';
import { batchNorm } from './batch-norm';
import { conv2d } from './conv2d';

export const POOLINGS = ['flatten', 'average'] as const;
export type Pooling = (typeof POOLINGS)[number];

export interface ConvEncoderOptions {
  filters: readonly number[];
  /** Size of the representation the downstream tasks use. */
  width: number;
  seed: number;
  pooling?: Pooling;
  /** Batch-norm momentum of the moving statistics. */
  momentum?: number;
  name?: string;
}

export function buildConvEncoder(o: ConvEncoderOptions): tf.LayersModel {
  let seed = o.seed;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const x = tf.input({ shape: [784], name: 'x' });
  let h = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  o.filters.forEach((filters, i) => {
    h = conv2d({
      filters,
      kernelSize: 3,
      strides: i === 0 ? 1 : 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(),
    }).apply(h) as tf.SymbolicTensor;
    h = batchNorm({ relu: true, ...(o.momentum === undefined ? {} : { momentum: o.momentum }) }).apply(
      h,
    ) as tf.SymbolicTensor;
  });
  h = (
    (o.pooling ?? 'flatten') === 'flatten' ? tf.layers.flatten() : tf.layers.globalAveragePooling2d({})
  ).apply(h) as tf.SymbolicTensor;
  const representation = tf.layers
    .dense({ units: o.width, activation: 'relu', kernelInitializer: init(), name: 'representation' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: representation, name: o.name ?? 'conv_encoder' });
}

/** The encoder in words, for model descriptions. */
export function describeConvEncoder(o: Pick<ConvEncoderOptions, 'filters' | 'width' | 'pooling'>): string {
  const head = (o.pooling ?? 'flatten') === 'flatten' ? '7×7 map flattened' : 'global average pooling';
  return `conv encoder (${o.filters.join('-')} filters, BN + ReLU, ${head}, ${o.width}-d representation)`;
}

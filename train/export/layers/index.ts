// The layer kinds the exporter knows: tfjs class name → exporter. To support another kind, write a
// LayerExporter (./context.ts) in a file of its own or beside its relatives, add it here, and add a
// parity case to test/train/export/layers-coverage.test.ts.
import { activationLayer, elu, leakyRelu, relu, softmax } from './activation-layers';
import { batchNormalization, pretextBatchNorm } from './batch-norm';
import type { LayerExporter } from './context';
import { conv2d, conv2dTranspose } from './convolution';
import { dense } from './dense';
import { averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, maxPooling2d } from './pooling';
import { flatten, identity, reshape } from './shape';

export const LAYER_EXPORTERS: Readonly<Record<string, LayerExporter>> = Object.freeze({
  Dense: dense,
  Conv2D: conv2d,
  PretextConv2D: conv2d,
  Conv2DTranspose: conv2dTranspose,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  BatchNormalization: batchNormalization,
  PretextBatchNorm: pretextBatchNorm,
  Flatten: flatten,
  Reshape: reshape,
  Activation: activationLayer,
  ReLU: relu,
  ELU: elu,
  LeakyReLU: leakyRelu,
  Softmax: softmax,
  Dropout: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
});

// BatchNormalization at inference: γ(x − μ)/√(σ² + ε) + β over the last (channel) axis, with the
// moving statistics the model holds; the project's PretextBatchNorm (train/models/batch-norm.ts) is
// the same with the ReLU it may fuse written after it.
import type * as tf from '@tensorflow/tfjs';
import { f } from '../onnx-graph';
import { activation } from './activations';
import type { LayerConfig, LayerExporter } from './context';

/** BatchNorm's four vectors; a disabled γ (scale: false) is 1 and a disabled β (center: false) is 0. */
function statistics(layer: tf.layers.Layer, cfg: LayerConfig, channels: number) {
  const w = layer.getWeights().map((t) => t.dataSync() as Float32Array);
  let k = 0;
  const next = () => {
    const v = w[k++];
    if (!v) throw new Error(`ONNX export: ${layer.name} is missing weight ${k - 1}`);
    return v;
  };
  // Plain arrays, not tf.ones/tf.zeros: those would be tensors that nobody disposes.
  const gamma = cfg.scale === false ? new Float32Array(channels).fill(1) : next();
  const beta = cfg.center === false ? new Float32Array(channels) : next();
  return { gamma, beta, mean: next(), variance: next() };
}

export const batchNormalization: LayerExporter = ({ g, layer, cfg, x: input, inShape, relayout }) => {
  const axis = cfg.axis ?? -1;
  if (axis !== -1 && axis !== input.rank - 1) {
    throw new Error(`ONNX export: ${layer.name} normalises axis ${axis}; only the last axis is supported`);
  }
  const channels = inShape[inShape.length - 1]!;
  const s = statistics(layer, cfg, channels);
  const eps = cfg.epsilon ?? 1e-3;
  const vector = (suffix: string, values: Float32Array) =>
    g.floats(`${layer.name}_${suffix}`, [channels], values);
  if (input.rank === 2 || input.rank === 4) {
    // ONNX BatchNormalization normalises axis 1: the channels of NCHW, the features of [N, C].
    const x = input.rank === 4 ? relayout(input, 'nchw') : input;
    const ins = [
      x.name,
      vector('gamma', s.gamma),
      vector('beta', s.beta),
      vector('mean', s.mean),
      vector('var', s.variance),
    ];
    return { ...x, name: g.op('BatchNormalization', ins, { epsilon: f(eps) }) };
  }
  // Other ranks keep channels last, where axis 1 is not the channel axis: fold the formula into x·a + b,
  // broadcast over the last axis.
  const x = relayout(input, 'tf');
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    a[c] = s.gamma[c]! / Math.sqrt(s.variance[c]! + eps);
    b[c] = s.beta[c]! - s.mean[c]! * a[c]!;
  }
  return { ...x, name: g.op('Add', [g.op('Mul', [x.name, vector('a', a)]), vector('b', b)]) };
};

/** PretextBatchNorm: the normalisation, then the ReLU when the layer fuses one. */
export const pretextBatchNorm: LayerExporter = (ctx) => {
  const y = batchNormalization(ctx);
  return ctx.cfg.relu === true ? activation(ctx.g, 'relu', y) : y;
};

// Layers that only move values: Flatten and Reshape (in tfjs's NHWC order, or a channel-first flatten
// would scramble the dense layer after it), and the ones that are the identity at inference.
import type { LayerExporter } from './context';

export const flatten: LayerExporter = ({ g, x, relayout }) => ({
  name: g.op('Flatten', [relayout(x, 'tf').name], { axis: 1 }),
  layout: 'tf',
  rank: 2,
});

export const reshape: LayerExporter = ({ g, layer, x, outShape, relayout }) => {
  const shape = g.ints(`${layer.name}_shape`, [0, ...outShape.slice(1).map((d) => d ?? -1)]); // 0 keeps N
  return { name: g.op('Reshape', [relayout(x, 'tf').name, shape]), layout: 'tf', rank: outShape.length };
};

/** Dropout and noise layers: the identity at inference. */
export const identity: LayerExporter = ({ x }) => x;

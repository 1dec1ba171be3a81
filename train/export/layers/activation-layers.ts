// The layers that are an activation: Activation, ReLU (optionally clipped), ELU, LeakyReLU, Softmax.
import { f } from '../onnx-graph';
import { activation } from './activations';
import type { LayerExporter } from './context';

export const activationLayer: LayerExporter = ({ g, cfg, x }) => activation(g, cfg.activation, x);

/** tf.layers.reLU({maxValue}) clips at maxValue; without it, it is a plain ReLU. */
export const relu: LayerExporter = ({ g, layer, cfg, x }) =>
  cfg.maxValue == null
    ? activation(g, 'relu', x)
    : {
        ...x,
        name: g.op('Clip', [
          x.name,
          g.floats('zero', [], [0]),
          g.floats(`${layer.name}_max`, [], [cfg.maxValue]),
        ]),
      };

export const elu: LayerExporter = ({ g, cfg, x }) => ({
  ...x,
  name: g.op('Elu', [x.name], { alpha: f(cfg.alpha ?? 1) }),
});

export const leakyRelu: LayerExporter = ({ g, cfg, x }) => ({
  ...x,
  name: g.op('LeakyRelu', [x.name], { alpha: f(cfg.alpha ?? 0.3) }),
});

export const softmax: LayerExporter = ({ g, layer, cfg, x }) => {
  const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
  if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== x.rank - 1)) {
    throw new Error(
      `ONNX export: ${layer.name} takes the softmax over axis ${axis}; only the last is supported`,
    );
  }
  return activation(g, 'softmax', x);
};

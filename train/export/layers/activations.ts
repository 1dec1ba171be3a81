// Activation functions, written with opset-17 ops: a layer's `activation` option and the activation
// layers both go through {@link activation}.
import { f, type OnnxGraph } from '../onnx-graph';
import type { Value } from './context';

/** The activations tfjs-layers 4.22 registers, written with opset-17 ops (formulas from tfjs-layers' activations.ts). */
export const EXPORTED_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softmax',
  'logSoftmax',
  'elu',
  'selu',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
] as const;

export function activation(g: OnnxGraph, name: string | undefined, v: Value): Value {
  const x = v.name;
  const axis = v.layout === 'nchw' ? 1 : v.rank - 1; // tfjs always normalises the channel (last) axis
  const out = (y: string): Value => ({ ...v, name: y });
  const scalar = (base: string, value: number) => g.floats(base, [], [value]);
  switch (name ?? 'linear') {
    case 'linear':
      return v;
    case 'relu':
      return out(g.op('Relu', [x]));
    case 'relu6':
      return out(g.op('Clip', [x, scalar('zero', 0), scalar('six', 6)]));
    case 'sigmoid':
      return out(g.op('Sigmoid', [x]));
    case 'hardSigmoid': // clip(0.2·x + 0.5, 0, 1)
      return out(g.op('HardSigmoid', [x], { alpha: f(0.2), beta: f(0.5) }));
    case 'tanh':
      return out(g.op('Tanh', [x]));
    case 'softmax':
      return out(g.op('Softmax', [x], { axis }));
    case 'logSoftmax':
      return out(g.op('LogSoftmax', [x], { axis }));
    case 'elu':
      return out(g.op('Elu', [x], { alpha: f(1) }));
    case 'selu': // ONNX's default α, γ are the constants of Klambauer et al. 2017, as tfjs uses
      return out(g.op('Selu', [x]));
    case 'softplus':
      return out(g.op('Softplus', [x]));
    case 'softsign':
      return out(g.op('Softsign', [x]));
    case 'swish': // x·σ(x) (tfjs's α = 1)
      return out(g.op('Mul', [x, g.op('Sigmoid', [x])]));
    case 'mish': // x·tanh(softplus(x)); ONNX's Mish op needs opset 18
      return out(g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x])])]));
    case 'gelu': // x·½(1 + erf(x/√2)), the exact form tfjs uses
      return out(
        g.op('Mul', [
          x,
          g.op('Mul', [
            scalar('half', 0.5),
            g.op('Add', [scalar('one', 1), g.op('Erf', [g.op('Div', [x, scalar('sqrt2', Math.SQRT2)])])]),
          ]),
        ]),
      );
    case 'gelu_new': {
      // ½x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation of Hendrycks & Gimpel 2016
      const cube = g.op('Mul', [x, g.op('Mul', [x, x])]);
      const inner = g.op('Mul', [
        scalar('sqrt_2_over_pi', Math.sqrt(2 / Math.PI)),
        g.op('Add', [x, g.op('Mul', [scalar('c', 0.044715), cube])]),
      ]);
      const half = g.op('Mul', [scalar('half', 0.5), x]);
      return out(g.op('Mul', [half, g.op('Add', [scalar('one', 1), g.op('Tanh', [inner])])]));
    }
    default:
      throw new Error(`ONNX export: unsupported activation "${name}"`);
  }
}

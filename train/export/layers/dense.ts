// Dense: y = act(x·W + b) over the last axis. tfjs's kernel is [in, out], as MatMul's B.

import { activation } from './activations';
import type { LayerExporter } from './context';

export const dense: LayerExporter = ({ g, cfg, x: input, weight, initializer, relayout }) => {
  const x = relayout(input, 'tf');
  const ins = [x.name, initializer('W', weight(0))];
  if (cfg.useBias) ins.push(initializer('b', weight(1)));
  const y =
    x.rank === 2
      ? g.op('Gemm', ins)
      : cfg.useBias
        ? g.op('Add', [g.op('MatMul', [ins[0]!, ins[1]!]), ins[2]!])
        : g.op('MatMul', ins);
  return activation(g, cfg.activation, { name: y, layout: 'tf', rank: x.rank });
};

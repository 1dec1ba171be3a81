// Pooling in NCHW: windowed (with tfjs's "same" pads) and global (flattened to [N, C], as tfjs returns).
import type { LayerContext, LayerExporter, Value } from './context';
import { samePadding } from './padding';

function windowed(c: LayerContext, op: 'MaxPool' | 'AveragePool'): Value {
  const { g, cfg, inShape } = c;
  const x = c.relayout(c.x, 'nchw');
  const [kh, kw] = cfg.poolSize as [number, number];
  const [sh, sw] = (cfg.strides ?? cfg.poolSize) as [number, number];
  const [t, b] = cfg.padding === 'same' ? samePadding(inShape[1]!, kh, sh) : [0, 0];
  const [l, r] = cfg.padding === 'same' ? samePadding(inShape[2]!, kw, sw) : [0, 0];
  // AveragePool's count_include_pad defaults to 0, which matches tfjs "same" averaging.
  const pooled = g.op(op, [x.name], { kernel_shape: [kh, kw], strides: [sh, sw], pads: [t, l, b, r] });
  return { name: pooled, layout: 'nchw', rank: 4 };
}

function global(c: LayerContext, op: 'GlobalAveragePool' | 'GlobalMaxPool'): Value {
  const x = c.relayout(c.x, 'nchw');
  return { name: c.g.op('Flatten', [c.g.op(op, [x.name])], { axis: 1 }), layout: 'tf', rank: 2 };
}

export const maxPooling2d: LayerExporter = (c) => windowed(c, 'MaxPool');
export const averagePooling2d: LayerExporter = (c) => windowed(c, 'AveragePool');
export const globalAveragePooling2d: LayerExporter = (c) => global(c, 'GlobalAveragePool');
export const globalMaxPooling2d: LayerExporter = (c) => global(c, 'GlobalMaxPool');

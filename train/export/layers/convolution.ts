// Conv2D and Conv2DTranspose, in NCHW: the kernel is transposed to ONNX's order and tfjs's padding
// (./padding.ts) becomes explicit pads.
import * as tf from '@tensorflow/tfjs';
import type { AttrValue } from '../onnx-graph';
import { activation } from './activations';
import type { LayerContext, LayerExporter } from './context';
import { samePadding, transposePadding } from './padding';

function convolution(c: LayerContext, transposed: boolean) {
  const { g, cfg, inShape, outShape, weight, initializer } = c;
  const x = c.relayout(c.x, 'nchw');
  const [kh, kw] = cfg.kernelSize as [number, number];
  const [sh, sw] = cfg.strides as [number, number];
  // tfjs's Conv2DTranspose.call ignores dilationRate (tf.conv2dTranspose has no such argument), so the
  // graph must too: parity is with what tfjs computes.
  const [dh, dw] = transposed ? ([1, 1] as const) : ((cfg.dilationRate ?? [1, 1]) as [number, number]);
  // Conv2D kernel [kh,kw,in,out] → [out,in,kh,kw]; Conv2DTranspose [kh,kw,out,in] → [in,out,kh,kw].
  const kernel = tf.tidy(() => tf.transpose(weight(0), [3, 2, 0, 1]));
  const ins = [x.name, initializer('W', kernel)];
  kernel.dispose();
  if (cfg.useBias) ins.push(initializer('b', weight(1)));
  const attrs: Record<string, AttrValue> = { kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw] };
  if (!transposed) {
    const [t, b] = cfg.padding === 'same' ? samePadding(inShape[1]!, kh, sh, dh) : [0, 0];
    const [l, r] = cfg.padding === 'same' ? samePadding(inShape[2]!, kw, sw, dw) : [0, 0];
    attrs.pads = [t, l, b, r];
    return activation(g, cfg.activation, { name: g.op('Conv', ins, attrs), layout: 'nchw', rank: 4 });
  }
  const ph = transposePadding(inShape[1]!, outShape[1]!, kh, sh, dh);
  const pw = transposePadding(inShape[2]!, outShape[2]!, kw, sw, dw);
  attrs.pads = [ph.begin, pw.begin, ph.end, pw.end];
  if (ph.extra || pw.extra) attrs.output_padding = [ph.extra, pw.extra];
  return activation(g, cfg.activation, { name: g.op('ConvTranspose', ins, attrs), layout: 'nchw', rank: 4 });
}

export const conv2d: LayerExporter = (c) => convolution(c, false);
export const conv2dTranspose: LayerExporter = (c) => convolution(c, true);

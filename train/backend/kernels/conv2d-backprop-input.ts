// Conv2DBackpropInput (∂L/∂x of a 2-D convolution, and the forward pass of conv2dTranspose)
// composed from Reshape, PadV2, Slice, Reverse, Transpose and Conv2D. wasm 4.22's native kernel
// is a naive loop, far slower than its XNNPACK Conv2D.
//
// With the forward y[i] = Σ_k xpad[s·i + k] · w[k] (one spatial axis; xpad = x shifted by the top
// padding p), the gradient is dx[h] = Σ_{s·i + k = h + p} dy[i] · w[k]. Inserting s − 1 zeros after
// every dy element (u[s·i] = dy[i]) turns it into a stride-1 convolution of u with the flipped
// filter w[K − 1 − k], padded by K − 1 − p before and H + K − 1 − (K − 1 − p) − s·oh after.
// A negative padding (explicit paddings wider than the kernel) crops u instead: the cropped
// entries only reach positions outside dx.
import * as tf from '@tensorflow/tfjs';
import { callKernel, Intermediates, type KernelArgs, requiredKernel } from './kernel-composition';

export function conv2dBackpropInputKernel(backendName: string, fallback?: tf.KernelConfig): tf.KernelConfig {
  const [pad, reshape, slice, reverse, transpose, conv2d] = [
    'PadV2',
    'Reshape',
    'Slice',
    'Reverse',
    'Transpose',
    'Conv2D',
  ].map((name) => requiredKernel(name, backendName)) as tf.KernelFunc[] as [
    tf.KernelFunc,
    tf.KernelFunc,
    tf.KernelFunc,
    tf.KernelFunc,
    tf.KernelFunc,
    tf.KernelFunc,
  ];

  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const {
      strides,
      pad: padding,
      dataFormat,
      dimRoundingMode,
      inputShape,
    } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (dataFormat === 'NCHW') {
      if (fallback) return fallback.kernelFunc(args);
      throw new Error('Conv2DBackpropInput: only NHWC is supported');
    }
    const filterShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filterShape,
      strides,
      1,
      padding,
      dimRoundingMode,
    );
    const [batch, height, width] = inputShape;
    const [kh, kw] = filterShape;
    const [, oh, ow, co] = dy.shape as [number, number, number, number];
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    const before = [kh - 1 - info.padInfo.top, kw - 1 - info.padInfo.left];
    const after = [height + kh - 1 - before[0]! - oh * sh, width + kw - 1 - before[1]! - ow * sw];

    const scratch = new Intermediates(backend);
    try {
      let u = dy;
      if (sw > 1 || sh > 1) {
        // Zero insertion as pads of reshaped views: [b·oh, ow, 1, co] → [b·oh, ow, sw, co] →
        // [b, oh, 1, ow·sw·co] → [b, oh, sh, ow·sw·co] = [b, oh·sh, ow·sw, co].
        let v = scratch.keep(callKernel(reshape, backend, { x: dy }, { shape: [batch * oh, ow, 1, co] }));
        if (sw > 1) {
          const paddings = [
            [0, 0],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ];
          v = scratch.keep(callKernel(pad, backend, { x: v }, { paddings, constantValue: 0 }));
        }
        v = scratch.keep(callKernel(reshape, backend, { x: v }, { shape: [batch, oh, 1, ow * sw * co] }));
        if (sh > 1) {
          const paddings = [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
          ];
          v = scratch.keep(callKernel(pad, backend, { x: v }, { paddings, constantValue: 0 }));
        }
        u = scratch.keep(callKernel(reshape, backend, { x: v }, { shape: [batch, oh * sh, ow * sw, co] }));
      }
      const [top, left] = before as [number, number];
      const [bottom, right] = after as [number, number];
      if (top < 0 || left < 0 || bottom < 0 || right < 0) {
        const begin = [0, Math.max(0, -top), Math.max(0, -left), 0];
        const size = [
          batch,
          oh * sh + Math.min(0, top) + Math.min(0, bottom),
          ow * sw + Math.min(0, left) + Math.min(0, right),
          co,
        ];
        u = scratch.keep(callKernel(slice, backend, { x: u }, { begin, size }));
      }
      const flipped = scratch.keep(callKernel(reverse, backend, { x: filter }, { dims: [0, 1] }));
      const swapped = scratch.keep(callKernel(transpose, backend, { x: flipped }, { perm: [0, 1, 3, 2] }));
      const pads = [
        [0, 0],
        [Math.max(0, top), Math.max(0, bottom)],
        [Math.max(0, left), Math.max(0, right)],
        [0, 0],
      ];
      return callKernel(
        conv2d,
        backend,
        { x: u, filter: swapped },
        { strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [1, 1] },
      );
    } finally {
      scratch.dispose();
    }
  };
  return { kernelName: 'Conv2DBackpropInput', backendName, kernelFunc };
}

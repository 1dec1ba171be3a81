// Conv2DBackpropFilter (∂L/∂W of a 2-D convolution) composed from Transpose, PadV2, Conv2D and
// Slice. tfjs-backend-wasm 4.22 has no such kernel, so conv nets cannot train on it without this.
//
//   dW[kh, kw, ci, co] = Σ_{b,i,j} xpad[b, s·i + kh, s·j + kw, ci] · dy[b, i, j, co]
//
// which is itself a convolution: input xpad transposed to [ci, Hp, Wp, b] (batch ↔ channels),
// filter dy transposed to [oh, ow, b, co], stride 1, dilation s, no padding; its output
// [ci, ≥kh, ≥kw, co] is cropped to the filter size and transposed back to [kh, kw, ci, co].
import * as tf from '@tensorflow/tfjs';
import { callKernel, Intermediates, type KernelArgs, requiredKernel } from './kernel-composition';

export function conv2dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  const [pad, transpose, conv2d, slice] = ['PadV2', 'Transpose', 'Conv2D', 'Slice'].map((name) =>
    requiredKernel(name, backendName),
  ) as [tf.KernelFunc, tf.KernelFunc, tf.KernelFunc, tf.KernelFunc];

  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const {
      strides,
      pad: padding,
      dataFormat,
      dimRoundingMode,
      filterShape,
    } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: only NHWC is supported');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      padding,
      dimRoundingMode,
    );
    const [kh, kw, ci, co] = filterShape;
    const { top, bottom, left, right } = info.padInfo;
    const scratch = new Intermediates(backend);
    try {
      let padded = x;
      if (top || bottom || left || right) {
        const paddings = [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ];
        padded = scratch.keep(callKernel(pad, backend, { x }, { paddings, constantValue: 0 }));
      }
      const input = scratch.keep(callKernel(transpose, backend, { x: padded }, { perm: [3, 1, 2, 0] }));
      const filter = scratch.keep(callKernel(transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] }));
      let grad = scratch.keep(
        callKernel(
          conv2d,
          backend,
          { x: input, filter },
          {
            strides: [1, 1],
            pad: 'valid',
            dataFormat: 'NHWC',
            dilations: [info.strideHeight, info.strideWidth],
          },
        ),
      );
      // When the stride does not divide the padded size, the last rows/columns never met dy.
      if (grad.shape[1] !== kh || grad.shape[2] !== kw) {
        grad = scratch.keep(
          callKernel(slice, backend, { x: grad }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] }),
        );
      }
      return callKernel(transpose, backend, { x: grad }, { perm: [1, 2, 0, 3] });
    } finally {
      scratch.dispose();
    }
  };
  return { kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc };
}

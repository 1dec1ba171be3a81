// Conv2D (and FusedConv2D with bias and ReLU) and its two gradients on the shared-memory wasm
// backend, running the project's kernels (assembly/conv.ts) on every thread. NHWC only, as tfjs
// layers use; anything else (NCHW, other fused activations, a bias of another shape) goes to the
// backend's own kernel.
import * as tf from '@tensorflow/tfjs';
import { simdRuntime } from '../shared-backend';

type Args = Parameters<tf.KernelFunc>[0];
const FLAG_ACCUMULATE = 1;
const FLAG_RELU = 2;

/** Writes the kernels' ConvShape struct (assembly/conv.ts) into the argument block. */
function convShape(info: tf.backend_util.Conv2DInfo): number {
  const rt = simdRuntime();
  const view = rt.argsView();
  view.set([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.outHeight,
    info.outWidth,
    info.dilationHeight,
    info.dilationWidth,
  ]);
  return rt.args;
}

function scratchFor(bytesPerThread: number): number {
  const rt = simdRuntime();
  return rt.scratch(bytesPerThread * rt.threads.threads);
}

function exportsOf() {
  return simdRuntime().threads.exports as unknown as Record<string, (shape: number) => number>;
}

/** y = conv(x, w) (+ bias) (ReLU); null when this case belongs to the backend's own kernel. */
function convolve(
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  relu: boolean,
  attrs: tf.Conv2DAttrs,
): tf.TensorInfo | null {
  if (attrs.dataFormat === 'NCHW') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (bias && tf.util.sizeFromShape(bias.shape) !== info.outChannels) return null;
  const rt = simdRuntime();
  const out = rt.backend.makeOutput(
    [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    'float32',
  );
  if (tf.util.sizeFromShape(out.shape) === 0) return out;
  const shape = convShape(info);
  const scratch = scratchFor(exportsOf().convForwardScratchBytes!(shape));
  rt.threads.run('convForward', [
    shape,
    rt.address(x),
    rt.address(filter),
    rt.address(out),
    relu ? FLAG_RELU : 0,
    bias ? rt.address(bias) : 0,
    scratch,
  ]);
  return out;
}

export function conv2dKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args: Args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      return (
        convolve(x, filter, undefined, false, args.attrs as unknown as tf.Conv2DAttrs) ??
        original.kernelFunc(args)
      );
    },
  };
}

export function fusedConv2dKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args: Args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
        string,
        tf.TensorInfo | undefined
      >;
      const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
      const act = attrs.activation ?? 'linear';
      if (preluActivationWeights || (act !== 'linear' && act !== 'relu')) return original.kernelFunc(args);
      return convolve(x!, filter!, bias, act === 'relu', attrs) ?? original.kernelFunc(args);
    },
  };
}

export function conv2dBackpropFilterKernel(original?: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (args: Args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (attrs.dataFormat === 'NCHW') {
        if (original) return original.kernelFunc(args);
        throw new Error('Conv2DBackpropFilter: only NHWC is supported on wasm');
      }
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        attrs.filterShape,
        attrs.strides,
        1,
        attrs.pad,
        attrs.dimRoundingMode,
        false,
        'channelsLast',
      );
      const rt = simdRuntime();
      const out = rt.backend.makeOutput(attrs.filterShape, 'float32');
      const shape = convShape(info);
      const scratch = scratchFor(exportsOf().convFilterScratchBytes!(shape));
      if (info.batchSize * info.outHeight * info.outWidth === 0) {
        new Float32Array(rt.memory.buffer, rt.address(out), tf.util.sizeFromShape(out.shape)).fill(0);
        return out;
      }
      rt.threads.run('convFilterGrad', [shape, rt.address(x), rt.address(dy), rt.address(out), 0, scratch]);
      return out;
    },
  };
}

export function conv2dBackpropInputKernel(original?: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: (args: Args) => {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (attrs.dataFormat === 'NCHW') {
        if (original) return original.kernelFunc(args);
        throw new Error('Conv2DBackpropInput: only NHWC is supported on wasm');
      }
      const info = tf.backend_util.computeConv2DInfo(
        attrs.inputShape,
        filter.shape as [number, number, number, number],
        attrs.strides,
        1,
        attrs.pad,
        attrs.dimRoundingMode,
        false,
        'channelsLast',
      );
      const rt = simdRuntime();
      const out = rt.backend.makeOutput(attrs.inputShape, 'float32');
      if (tf.util.sizeFromShape(out.shape) === 0) return out;
      const shape = convShape(info);
      const scratch = scratchFor(exportsOf().convInputScratchBytes!(shape));
      rt.threads.run('convInputGrad', [
        shape,
        rt.address(dy),
        rt.address(filter),
        rt.address(out),
        0,
        scratch,
      ]);
      return out;
    },
  };
}

export { FLAG_ACCUMULATE, FLAG_RELU };

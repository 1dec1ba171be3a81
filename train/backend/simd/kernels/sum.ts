// Sum over every axis but the last (the gradient of a bias: Σ over batch, height and width of dy),
// which wasm 4.22 computes by transposing the whole tensor first. Chunked partial sums added in
// chunk order (assembly/batchnorm.ts): the same result for any thread count.
import * as tf from '@tensorflow/tfjs';
import { simdRuntime } from '../shared-backend';

type Args = Parameters<tf.KernelFunc>[0];

export function sumKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args: Args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const leading = axes.length === rank - 1 && [...axes].sort((p, q) => p - q).every((a, i) => a === i);
      if (x.dtype !== 'float32' || rank < 2 || !leading) return original.kernelFunc(args);
      const channels = x.shape[rank - 1]!;
      const rows = tf.util.sizeFromShape(x.shape) / Math.max(1, channels);
      const rt = simdRuntime();
      const out = rt.backend.makeOutput(
        keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels],
        'float32',
      );
      if (channels === 0) return out;
      if (rows === 0) {
        new Float32Array(rt.memory.buffer, rt.address(out), channels).fill(0);
        return out;
      }
      const exports = rt.threads.exports as unknown as { chunkCount(rows: number): number };
      const partials = rt.scratch(exports.chunkCount(rows) * channels * 4);
      rt.threads.run('columnSums', [rt.address(x), rows, channels, partials]);
      rt.threads.run('columnSumsCombine', [rows, channels, partials, rt.address(out)]);
      return out;
    },
  };
}

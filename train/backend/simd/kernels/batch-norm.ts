// The fused training batch norm (train/ops/batch-norm.ts) on the shared-memory wasm backend:
// two passes forward (per-chunk statistics, normalise) and two backward, each split over fixed
// row chunks on every thread (assembly/batchnorm.ts).
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN, type BatchNormAttrs } from '../../../ops/batch-norm';
import { simdRuntime } from '../shared-backend';

type Args = Parameters<tf.KernelFunc>[0];

function layout(shape: number[]) {
  const channels = shape[shape.length - 1]!;
  return { rows: tf.util.sizeFromShape(shape) / Math.max(1, channels), channels };
}

/** Two partial tables (chunks × channels) and the threads' own 8 floats per channel. */
function scratch(rows: number, channels: number) {
  const rt = simdRuntime();
  const chunks = (rt.threads.exports as unknown as { chunkCount(r: number): number }).chunkCount(rows);
  const table = chunks * channels * 4;
  const base = rt.scratch(2 * table + rt.threads.threads * channels * 32);
  return { first: base, second: base + table, own: base + 2 * table };
}

export const batchNormTrainKernel: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }: Args) => {
    const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
    const { epsilon, relu } = attrs as unknown as BatchNormAttrs;
    const rt = simdRuntime();
    const { rows, channels } = layout(x!.shape);
    const y = rt.backend.makeOutput(x!.shape, 'float32');
    const mean = rt.backend.makeOutput([channels], 'float32');
    const variance = rt.backend.makeOutput([channels], 'float32');
    const invStd = rt.backend.makeOutput([channels], 'float32');
    if (rows === 0) throw new Error('batch norm of an empty batch');
    const s = scratch(rows, channels);
    const px = rt.address(x!);
    // s.first and s.second are adjacent: the chunks' (mean, squared deviations) rows, interleaved.
    rt.threads.run('bnStats', [px, rows, channels, s.first]);
    rt.threads.run('bnApply', [
      px,
      rows,
      channels,
      s.first,
      rt.address(gamma!),
      rt.address(beta!),
      epsilon,
      relu ? 1 : 0,
      rt.address(y),
      rt.address(mean),
      rt.address(variance),
      rt.address(invStd),
      s.own,
    ]);
    return [y, mean, variance, invStd];
  },
};

export const batchNormGradKernel: tf.KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }: Args) => {
    const { dy, x, y, mean, invStd, gamma } = inputs as Record<string, tf.TensorInfo>;
    const { relu } = attrs as unknown as BatchNormAttrs;
    const rt = simdRuntime();
    const { rows, channels } = layout(x!.shape);
    const dx = rt.backend.makeOutput(x!.shape, 'float32');
    const dGamma = rt.backend.makeOutput([channels], 'float32');
    const dBeta = rt.backend.makeOutput([channels], 'float32');
    const s = scratch(rows, channels);
    const common = [
      rt.address(dy!),
      rt.address(x!),
      rt.address(y!),
      rows,
      channels,
      rt.address(mean!),
      rt.address(invStd!),
    ];
    rt.threads.run('bnGradSums', [...common, relu ? 1 : 0, s.first, s.second]);
    rt.threads.run('bnGradApply', [
      ...common,
      rt.address(gamma!),
      relu ? 1 : 0,
      s.first,
      s.second,
      rt.address(dx),
      rt.address(dGamma),
      rt.address(dBeta),
      s.own,
    ]);
    return [dx, dGamma, dBeta];
  },
};

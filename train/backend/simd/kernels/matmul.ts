// BatchMatMul and _FusedMatMul (bias, ReLU) on the project's blocked SIMD matrix product
// (assembly/gemm.ts), on every thread. Transposed operands are read through their strides (no
// Transpose kernel: wasm 4.22's transposed paths were 3–17× slower). Batched products run one
// batch entry at a time; other fused activations go to the backend's own kernel.
import * as tf from '@tensorflow/tfjs';
import { simdRuntime } from '../shared-backend';
import { FLAG_RELU } from './conv';

type Args = Parameters<tf.KernelFunc>[0];

function product(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.TensorInfo | undefined,
  relu: boolean,
): tf.TensorInfo | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (bias && tf.util.sizeFromShape(bias.shape) !== n) return null;
  const batch = Math.max(batchA, batchB);
  const outerShape = (batchA >= batchB ? a : b).shape.slice(0, -2);
  const rt = simdRuntime();
  const out = rt.backend.makeOutput([...outerShape, m, n], 'float32');
  if (m * n === 0) return out;
  if (k === 0) {
    new Float32Array(rt.memory.buffer, rt.address(out), batch * m * n).fill(0);
    return out;
  }
  const exports = rt.threads.exports as unknown as { gemmScratchBytes(n: number): number };
  const scratch = rt.scratch(exports.gemmScratchBytes(n) * rt.threads.threads);
  const [sam, sak] = transposeA ? [1, m] : [k, 1];
  const [sbk, sbn] = transposeB ? [1, k] : [n, 1];
  const pa = rt.address(a);
  const pb = rt.address(b);
  const pc = rt.address(out);
  for (let i = 0; i < batch; i++) {
    rt.threads.run('gemm', [
      m,
      n,
      k,
      pa + (batchA === 1 ? 0 : i * m * k * 4),
      sam,
      sak,
      pb + (batchB === 1 ? 0 : i * k * n * 4),
      sbk,
      sbn,
      pc + i * m * n * 4,
      n,
      relu ? FLAG_RELU : 0,
      bias ? rt.address(bias) : 0,
      scratch,
    ]);
  }
  return out;
}

export function batchMatMulKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args: Args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
      return product(a, b, transposeA, transposeB, undefined, false) ?? original.kernelFunc(args);
    },
  };
}

export function fusedMatMulKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args: Args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation } = args.attrs as unknown as tf._FusedMatMulAttrs;
      const act = activation ?? 'linear';
      if (preluActivationWeights || (act !== 'linear' && act !== 'relu')) return original.kernelFunc(args);
      return product(a!, b!, transposeA, transposeB, bias, act === 'relu') ?? original.kernelFunc(args);
    },
  };
}

// Registers the project's multi-threaded SIMD kernels as the "wasm" backend's kernels, replacing
// the stock ones (kept as the fallback for the cases they do not cover).
import * as tf from '@tensorflow/tfjs';
import { batchNormGradKernel, batchNormTrainKernel } from './kernels/batch-norm';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
  fusedConv2dKernel,
} from './kernels/conv';
import { identityKernel } from './kernels/identity';
import { batchMatMulKernel, fusedMatMulKernel } from './kernels/matmul';
import { sumKernel } from './kernels/sum';

export const SIMD_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  '_FusedMatMul',
  'Sum',
  'Identity',
  batchNormTrainKernel.kernelName,
  batchNormGradKernel.kernelName,
] as const;

let registered = false;

function required(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`Kernel ${name} is missing on backend "wasm"`);
  return config;
}

/** Idempotent; returns the kernel names it registered (none on a second call). */
export function registerSimdKernels(): string[] {
  if (registered) return [];
  const original = (name: string) => tf.getKernel(name, 'wasm');
  const configs: tf.KernelConfig[] = [
    conv2dKernel(required('Conv2D')),
    fusedConv2dKernel(required('FusedConv2D')),
    conv2dBackpropFilterKernel(original('Conv2DBackpropFilter')),
    conv2dBackpropInputKernel(original('Conv2DBackpropInput')),
    batchMatMulKernel(required('BatchMatMul')),
    fusedMatMulKernel(required('_FusedMatMul')),
    sumKernel(required('Sum')),
    identityKernel(required('Identity')),
    batchNormTrainKernel,
    batchNormGradKernel,
  ];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  registered = true;
  return configs.map((c) => c.kernelName);
}

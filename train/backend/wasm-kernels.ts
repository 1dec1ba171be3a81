// The training kernels the wasm backend lacks or runs slowly, composed from its own fast kernels
// (see train/backend/kernels/). Registered once per backend name, after the backend is set up.
import * as tf from '@tensorflow/tfjs';
import { batchMatMulNNKernel } from './kernels/batch-matmul-nn';
import { conv2dBackpropFilterKernel } from './kernels/conv2d-backprop-filter';
import { conv2dBackpropInputKernel } from './kernels/conv2d-backprop-input';

export const WASM_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul'] as const;

const registered = new Set<string>();

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName))
    tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers the composed Conv2DBackpropFilter, Conv2DBackpropInput and transpose-free BatchMatMul
 * for `backendName`. Idempotent: a second call leaves the kernels as they are.
 * @returns the kernel names registered by this call (empty when already done).
 */
export function registerWasmTrainingKernels(backendName = 'wasm'): string[] {
  if (registered.has(backendName)) return [];
  const batchMatMul = tf.getKernel('BatchMatMul', backendName);
  if (!batchMatMul) throw new Error(`Kernel BatchMatMul is missing on backend "${backendName}"`);
  const configs = [
    conv2dBackpropFilterKernel(backendName),
    conv2dBackpropInputKernel(backendName, tf.getKernel('Conv2DBackpropInput', backendName)),
    batchMatMulNNKernel(backendName, batchMatMul),
  ];
  for (const config of configs) replaceKernel(config);
  registered.add(backendName);
  return configs.map((config) => config.kernelName);
}

// Identity shares its input's data, as the cpu backend's does, instead of copying it (wasm 4.22
// copies). tfjs calls it for every tensor a custom gradient saves (tf.customGrad clones them), so a
// copy cost two full passes over each batch-norm and convolution input per step.
import type * as tf from '@tensorflow/tfjs';

type Args = Parameters<tf.KernelFunc>[0];

export function identityKernel(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: ({ inputs, backend }: Args) => {
      const { x } = inputs as { x: tf.TensorInfo };
      (backend as tf.KernelBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}

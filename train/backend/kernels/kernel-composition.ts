// Building blocks for kernels composed from a backend's own kernels: look the parts up once,
// call them on TensorInfos, and free every intermediate before returning.
import * as tf from '@tensorflow/tfjs';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** A kernel of `backendName` that must exist (the composition is meaningless without it). */
export function requiredKernel(kernelName: string, backendName: string): tf.KernelFunc {
  const config = tf.getKernel(kernelName, backendName);
  if (!config) throw new Error(`Kernel ${kernelName} is missing on backend "${backendName}"`);
  return config.kernelFunc;
}

/** Calls a kernel that returns one tensor. */
export function callKernel(
  kernel: tf.KernelFunc,
  backend: object,
  inputs: tf.NamedTensorInfoMap,
  attrs: object,
): tf.TensorInfo {
  const out = kernel({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error('Composed kernels expect single-output parts');
  return out;
}

/** Collects the intermediates of one kernel call and frees them all at the end. */
export class Intermediates {
  readonly #backend: tf.KernelBackend;
  readonly #tensors: tf.TensorInfo[] = [];

  constructor(backend: object) {
    this.#backend = backend as tf.KernelBackend;
  }

  keep(tensor: tf.TensorInfo): tf.TensorInfo {
    this.#tensors.push(tensor);
    return tensor;
  }

  dispose(): void {
    // disposeData decrements a reference count, so reshapes that share data are safe to free.
    for (const tensor of this.#tensors) this.#backend.disposeData(tensor.dataId);
    this.#tensors.length = 0;
  }
}

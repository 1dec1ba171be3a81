// BatchMatMul that always runs the backend's fast non-transposed path: wasm 4.22 handles
// transposeA / transposeB in a slow path (measured 17× slower for TN, 3× for NT), and the
// gradients of every dense layer use them (dW = xᵀ·dy, dx = dy·Wᵀ). An explicit Transpose
// of the operand is cheap by comparison.
import type * as tf from '@tensorflow/tfjs';
import { callKernel, Intermediates, type KernelArgs, requiredKernel } from './kernel-composition';

/** Swaps the two innermost axes. */
function innerTransposePerm(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export function batchMatMulNNKernel(backendName: string, original: tf.KernelConfig): tf.KernelConfig {
  const transpose = requiredKernel('Transpose', backendName);
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    let { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const scratch = new Intermediates(backend);
    try {
      if (transposeA)
        a = scratch.keep(
          callKernel(transpose, backend, { x: a }, { perm: innerTransposePerm(a.shape.length) }),
        );
      if (transposeB)
        b = scratch.keep(
          callKernel(transpose, backend, { x: b }, { perm: innerTransposePerm(b.shape.length) }),
        );
      return original.kernelFunc({
        inputs: { a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      scratch.dispose();
    }
  };
  // Keeps the original's setupFunc / disposeFunc: they initialise the wasm function it calls.
  return { ...original, kernelFunc };
}

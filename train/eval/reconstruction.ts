import * as tf from '@tensorflow/tfjs';
import { IMAGE_PIXELS } from '../../worker/contract/image';

export interface ReconstructionMetrics {
  /** Mean over images and pixels of (x − x̂)². */
  mse: number;
  /** 10·log10(1 / mse) for pixel range [0, 1], from the test-set mse (∞ for a perfect reconstruction). */
  psnr: number;
}

export const psnrFromMse = (mse: number): number =>
  mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);

/** `reconstruct` maps a batch [n, 784] to its reconstruction [n, 784]. */
export function reconstructionMetrics(
  images: Float32Array,
  reconstruct: (x: tf.Tensor2D) => tf.Tensor2D,
  dim = IMAGE_PIXELS,
  batchSize = 500,
): ReconstructionMetrics {
  const n = images.length / dim;
  let sum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const s = tf.tidy(() => {
      const x = tf.tensor2d(images.subarray(start * dim, end * dim), [end - start, dim]);
      return tf.sum(tf.squaredDifference(x, reconstruct(x)));
    });
    sum += s.dataSync()[0]!;
    s.dispose();
  }
  const mse = sum / (n * dim);
  return { mse, psnr: psnrFromMse(mse) };
}

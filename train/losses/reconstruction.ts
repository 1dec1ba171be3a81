import * as tf from '@tensorflow/tfjs';

/**
 * Reconstruction loss L(x, g(f(x))) = mean over the batch of ‖x − x̂‖² / D (the per-pixel mean
 * squared error, the lecture's reconstruction loss). x, x̂: [N, D].
 */
export function meanSquaredError(x: tf.Tensor2D, reconstruction: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(x, reconstruction)) as tf.Scalar);
}

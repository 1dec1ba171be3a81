import * as tf from '@tensorflow/tfjs';

export type EncoderActivation = 'sigmoid' | 'relu';

/**
 * Contractive penalty ‖∂h/∂x‖²_F of a one-layer encoder h = s(xW + b) (Rifai et al. 2011, eq. 5),
 * exact in closed form: ∂h_j/∂x_i = s'(a_j)·W_ij, so
 *   ‖J‖²_F = Σ_j s'(a_j)² · Σ_i W_ij²,   with s' = h(1−h) for the sigmoid and 1[h>0] for ReLU.
 * h: [N, k] encoder outputs, W: [D, k] its kernel → scalar mean over the batch.
 */
export function contractivePenalty(
  h: tf.Tensor2D,
  kernel: tf.Tensor2D,
  activation: EncoderActivation,
): tf.Scalar {
  return tf.tidy(() => {
    const slope = activation === 'sigmoid' ? tf.mul(h, tf.sub(1, h)) : tf.cast(tf.greater(h, 0), 'float32');
    const columnNorms = tf.sum(tf.square(kernel), 0); // [k]: Σ_i W_ij²
    return tf.mean(tf.sum(tf.mul(tf.square(slope), columnNorms), 1)) as tf.Scalar;
  });
}

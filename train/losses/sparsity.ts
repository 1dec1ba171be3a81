import * as tf from '@tensorflow/tfjs';

/**
 * Sparsity penalty Ω(h) = ‖h‖₁ (lecture: sparse AE, L_rec + λ‖h‖₁), averaged over the batch.
 * h: [N, k] codes → scalar mean_n Σ_j |h_nj|.
 */
export function l1SparsityPenalty(h: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sum(tf.abs(h), 1)) as tf.Scalar);
}

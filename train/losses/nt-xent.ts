// NT-Xent, the normalized temperature-scaled cross-entropy of SimCLR (Chen et al. 2020, eq. 1):
// for a positive pair (i, j) of views of the same image,
//   ℓ(i,j) = −log( exp(sim(zᵢ,zⱼ)/τ) / Σ_{k≠i} exp(sim(zᵢ,z_k)/τ) ),   sim(u,v) = uᵀv / (‖u‖‖v‖),
// averaged over all 2N views; the other 2N−2 views of the batch are the negatives (2N−1 terms in
// the denominator).  z1, z2: [N, d], row i of each is a view of image i.
import * as tf from '@tensorflow/tfjs';

export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`Illegal temperature ${temperature}: τ must be > 0`);
  const [n, d] = z1.shape;
  if (z2.shape[0] !== n || z2.shape[1] !== d) {
    throw new RangeError(`the two views must have the same shape, got [${z1.shape}] and [${z2.shape}]`);
  }
  if (n < 2) throw new RangeError(`NT-Xent needs a batch of at least 2 images (negatives), got ${n}`);
  return tf.tidy(() => {
    const z = tf.concat([z1, z2], 0);
    const unit = tf.div(z, tf.maximum(tf.norm(z, 'euclidean', 1, true), 1e-12));
    const logits = tf.div(tf.matMul(unit, unit, false, true), temperature); // [2N, 2N]
    // A view is not its own negative: push the diagonal to −∞ (a large finite value keeps grads finite).
    const selfMask = tf.mul(tf.eye(2 * n), -1e9);
    const masked = tf.add(logits, selfMask);
    const positives = tf.concat([tf.range(n, 2 * n, 1, 'int32'), tf.range(0, n, 1, 'int32')]);
    const logProb = tf.logSoftmax(masked);
    const picked = tf.sum(tf.mul(logProb, tf.oneHot(positives, 2 * n)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

import * as tf from '@tensorflow/tfjs';

/**
 * Negative ELBO of a VAE with a Bernoulli decoder and a standard normal prior, in nats per image
 * (Kingma & Welling 2014, "Auto-Encoding Variational Bayes", eq. 10 and Appendix B):
 *   −ELBO = −E_q[log p(x|z)] + KL(q(z|x) ‖ N(0, I)),
 *   −log p(x|z) = Σ_i BCE(x_i, σ(ℓ_i))            (ℓ: decoder logits; one sample z = μ + σ·ε)
 *   KL = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²).
 * x, logits: [N, D]; mu, logVar: [N, k]. klWeight = β (1 for the plain VAE).
 */
export function negativeElbo(
  x: tf.Tensor2D,
  logits: tf.Tensor2D,
  mu: tf.Tensor2D,
  logVar: tf.Tensor2D,
  klWeight = 1,
): { loss: tf.Scalar; reconstruction: tf.Scalar; kl: tf.Scalar } {
  return tf.tidy(() => {
    // BCE with logits, stable form: max(ℓ,0) − ℓ·x + log(1 + e^{−|ℓ|}).
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const reconstruction = tf.mean(tf.sum(bce, 1)) as tf.Scalar;
    const klTerms = tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar)));
    const kl = tf.mean(tf.mul(-0.5, tf.sum(klTerms, 1))) as tf.Scalar;
    const loss = tf.add(reconstruction, tf.mul(klWeight, kl)) as tf.Scalar;
    return { loss, reconstruction, kl };
  });
}

// Masked-word prediction (the lecture's "delete a word and predict the missing word"; BERT's masked
// language model, Devlin et al. 2019, §3.1): cross-entropy of the true word at each masked position,
//   L = −(1/M) Σₘ log softmax(zₘ)[yₘ],
// averaged over the M masked positions of the batch. logits: [M, V] (one row per masked position),
// targets: int32 [M] (the word that was there), each in [0, V).
import * as tf from '@tensorflow/tfjs';

export function maskedWordLoss(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const [m, v] = logits.shape;
  if (targets.shape[0] !== m) {
    throw new RangeError(`maskedWordLoss: ${m} rows of logits but ${targets.shape[0]} targets`);
  }
  if (m === 0) throw new RangeError('maskedWordLoss needs at least one masked position');
  if (targets.dtype !== 'int32')
    throw new TypeError(`maskedWordLoss: targets must be int32, got ${targets.dtype}`);
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, v)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

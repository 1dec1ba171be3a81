// Word-order recovery (the lecture's "shuffle the words of a sentence and predict the correct order"):
// every token of a shuffled sentence of n words classifies its original position among 0 … n−1,
//   L = −(1/Σᵢnᵢ) Σᵢ Σ_{j<nᵢ} log softmax_{p<nᵢ}(z_{ij})[y_{ij}],
// so positions beyond a sentence's length are never candidates and [PAD] slots carry no loss.
// logits: [N, L, L] (sentence, token slot, position); targets: int32 [N, L] (original position of the
// token in each slot; any value in [0, L) for [PAD] slots); lengths: int32 [N] (nᵢ, 1 ≤ nᵢ ≤ L, the
// real tokens are slots 0 … nᵢ−1).
import * as tf from '@tensorflow/tfjs';

export function wordOrderLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, lengths: tf.Tensor1D): tf.Scalar {
  const [n, slots, positions] = logits.shape;
  if (slots !== positions)
    throw new RangeError(`wordOrderLoss: logits must be [N, L, L], got [${logits.shape}]`);
  if (targets.shape[0] !== n || targets.shape[1] !== slots) {
    throw new RangeError(`wordOrderLoss: targets must be [${n}, ${slots}], got [${targets.shape}]`);
  }
  if (lengths.shape[0] !== n)
    throw new RangeError(`wordOrderLoss: ${n} sentences but ${lengths.shape[0]} lengths`);
  if (targets.dtype !== 'int32' || lengths.dtype !== 'int32') {
    throw new TypeError('wordOrderLoss: targets and lengths must be int32');
  }
  return tf.tidy(() => {
    // valid[i, p] = 1 when p < nᵢ: a real slot, and a possible position.
    const valid = tf.cast(
      tf.less(tf.expandDims(tf.range(0, slots, 1, 'int32'), 0), tf.expandDims(lengths, 1)),
      'float32',
    );
    const masked = tf.add(logits, tf.mul(tf.sub(1, tf.expandDims(valid, 1)), -1e9));
    const picked = tf.sum(tf.mul(tf.logSoftmax(masked), tf.oneHot(targets, slots)), 2);
    return tf.neg(tf.div(tf.sum(tf.mul(picked, valid)), tf.sum(valid))) as tf.Scalar;
  });
}

// One training step's loss for the text method: both pretext tasks on the same sentences through the
// one shared encoder,  L = L_masked-words + λ·L_word-order  (λ = --order-weight).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../worker/contract/rng';
import { maskedWordLoss } from '../losses/text-masked-words';
import { wordOrderLoss } from '../losses/text-word-order';
import { type EncodedSentences, maskWords, shuffleWords } from './pretext';
import {
  encode,
  gatherRows,
  positionLogits,
  type TextParams,
  type TextTransformerOptions,
  wordLogits,
} from './transformer';

export interface PretextWeights {
  maskRate: number;
  orderWeight: number;
}

export function textPretextLoss(
  params: TextParams,
  o: TextTransformerOptions,
  data: EncodedSentences,
  rows: ArrayLike<number>,
  rng: Rng,
  w: PretextWeights,
): tf.Scalar {
  const n = rows.length;
  const l = o.maxLength;
  const masked = maskWords(data, rows, rng, { maskRate: w.maskRate, vocabSize: o.vocabSize });
  const shuffled = shuffleWords(data, rows, rng);
  return tf.tidy(() => {
    const states = encode(params, tf.tensor2d(masked.input, [n, l], 'int32'), o, true);
    const hidden = gatherRows(tf.reshape(states, [n * l, o.dim]), tf.tensor1d(masked.positions, 'int32'));
    const words = maskedWordLoss(
      wordLogits(params, hidden as tf.Tensor2D),
      tf.tensor1d(masked.targets, 'int32'),
    );
    if (w.orderWeight === 0) return words;
    const unordered = encode(params, tf.tensor2d(shuffled.input, [n, l], 'int32'), o, false);
    const order = wordOrderLoss(
      positionLogits(params, unordered),
      tf.tensor2d(shuffled.targets, [n, l], 'int32'),
      tf.tensor1d(shuffled.lengths, 'int32'),
    );
    return tf.add(words, tf.mul(order, w.orderWeight)) as tf.Scalar;
  });
}

// From the masked-word head's logits to ranked words: softmax over the real words only ([PAD], [UNK]
// and [MASK] are never an answer), so the probabilities of all real words sum to 1.
import { SPECIAL_TOKENS, type Tokenizer } from '../contract/tokenizer';

export interface WordProbability {
  word: string;
  probability: number;
}

/** The `top` most likely words for one position, from its row of V logits, most likely first. */
export function topWords(logits: ArrayLike<number>, tokenizer: Tokenizer, top: number): WordProbability[] {
  const first = SPECIAL_TOKENS.length;
  let max = -Infinity;
  for (let id = first; id < tokenizer.size; id++) max = Math.max(max, logits[id]!);
  let sum = 0;
  for (let id = first; id < tokenizer.size; id++) sum += Math.exp(logits[id]! - max);
  const ids = Array.from({ length: tokenizer.size - first }, (_, i) => i + first);
  ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
  return ids.slice(0, top).map((id) => ({
    word: tokenizer.wordOf(id),
    probability: Math.exp(logits[id]! - max) / sum,
  }));
}

// The two pretext tasks as seeded batch builders (pure: the same RNG state gives the same batch).
//   masked words: hide ≈ 15 % of a sentence's words (at least one) and keep what was there as targets;
//     as in BERT (Devlin et al. 2019, §3.1) a hidden word becomes [MASK] 80 % of the time, a random
//     word 10 %, and stays itself 10 %, so the encoder also learns states for words it can see.
//   word order: shuffle each sentence's words; the target of each slot is the word's original position.

import type { Rng } from '../../worker/contract/rng';
import { MASK_ID, SPECIAL_TOKENS, type Tokenizer } from '../../worker/contract/tokenizer';

/** Sentences as token ids: row i is ids[i·L … i·L+L), right-padded with [PAD] = 0. */
export interface EncodedSentences {
  ids: Int32Array;
  lengths: Int32Array;
  count: number;
  maxLength: number;
}

export function encodeSentences(
  tokenizer: Tokenizer,
  sentences: readonly (readonly string[])[],
  maxLength: number,
): EncodedSentences {
  const ids = new Int32Array(sentences.length * maxLength);
  const lengths = new Int32Array(sentences.length);
  sentences.forEach((words, i) => {
    if (words.length > maxLength)
      throw new RangeError(`sentence ${i} has ${words.length} words, more than ${maxLength}`);
    words.forEach((w, j) => {
      ids[i * maxLength + j] = tokenizer.idOf(w);
    });
    lengths[i] = words.length;
  });
  return { ids, lengths, count: sentences.length, maxLength };
}

export interface MaskedBatch {
  /** [N·L] ids with the hidden words replaced. */
  input: Int32Array;
  /** Flat indices (row·L + slot) of the hidden words, in row order. */
  positions: Int32Array;
  /** The word that was at each hidden position. */
  targets: Int32Array;
}

/** k distinct slots out of n, uniformly (partial Fisher–Yates). */
function pick(n: number, k: number, rng: Rng): number[] {
  const slots = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  return slots.slice(0, k).sort((a, b) => a - b);
}

export function maskWords(
  data: EncodedSentences,
  rows: ArrayLike<number>,
  rng: Rng,
  options: { maskRate: number; vocabSize: number },
): MaskedBatch {
  const l = data.maxLength;
  const input = new Int32Array(rows.length * l);
  const positions: number[] = [];
  const targets: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    input.set(data.ids.subarray(row * l, row * l + l), r * l);
    const n = data.lengths[row]!;
    for (const slot of pick(n, Math.max(1, Math.round(options.maskRate * n)), rng)) {
      const at = r * l + slot;
      positions.push(at);
      targets.push(input[at]!);
      const u = rng.uniform();
      if (u < 0.8) input[at] = MASK_ID;
      else if (u < 0.9)
        input[at] = SPECIAL_TOKENS.length + rng.int(options.vocabSize - SPECIAL_TOKENS.length);
    }
  }
  return { input, positions: Int32Array.from(positions), targets: Int32Array.from(targets) };
}

/** One hidden word per sentence, always [MASK]: how the test split is graded (and /fill-mask is used). */
export function maskOneWord(data: EncodedSentences, rows: ArrayLike<number>, rng: Rng): MaskedBatch {
  const l = data.maxLength;
  const input = new Int32Array(rows.length * l);
  const positions = new Int32Array(rows.length);
  const targets = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    input.set(data.ids.subarray(row * l, row * l + l), r * l);
    positions[r] = r * l + rng.int(data.lengths[row]!);
    targets[r] = input[positions[r]!]!;
    input[positions[r]!] = MASK_ID;
  }
  return { input, positions, targets };
}

export interface ShuffledBatch {
  /** [N·L] ids, each sentence's words in a random order, then [PAD]. */
  input: Int32Array;
  /** [N·L] the original position of the word in each slot (0 for [PAD] slots). */
  targets: Int32Array;
  lengths: Int32Array;
}

export function shuffleWords(data: EncodedSentences, rows: ArrayLike<number>, rng: Rng): ShuffledBatch {
  const l = data.maxLength;
  const input = new Int32Array(rows.length * l);
  const targets = new Int32Array(rows.length * l);
  const lengths = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const n = data.lengths[row]!;
    lengths[r] = n;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    order.forEach((from, slot) => {
      input[r * l + slot] = data.ids[row * l + from]!;
      targets[r * l + slot] = from;
    });
  }
  return { input, targets, lengths };
}

// Test-split metrics of the text method, each next to the baseline it must beat:
//   masked words: one word per sentence hidden by [MASK] (as /v1/text/fill-mask is used); top-1 and
//     top-5 accuracy over real words, against always guessing the most frequent training words
//     (the unigram baseline; the vocabulary is sorted by frequency, so it is ids 3, 4, …).
//     Sentences whose hidden word is [UNK] are left out: no model can name an unknown word.
//   word order: each sentence shuffled once; exact-match rate and mean Kendall τ of the best
//     assignment, against a uniformly random order. Repeated words are interchangeable.
// The grading takes a TextPredictor, so the same code grades the trained tfjs weights (at the end of
// training) and the exported ONNX graph (train/text/report.ts, for EVALUATION.md).
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../worker/contract/rng';
import { SPECIAL_TOKENS, UNK_ID } from '../../worker/contract/tokenizer';
import {
  alignRepeatedTokens,
  bestAssignment,
  kendallTau,
  positionScores,
} from '../../worker/contract/word-order';
import { mixSeed } from '../loop/seeding';
import { type EncodedSentences, maskOneWord, shuffleWords } from './pretext';
import {
  encode,
  meanPool,
  positionLogits,
  type TextParams,
  type TextTransformerOptions,
  wordLogits,
} from './transformer';

const BATCH = 256;
const EVAL_STREAM = 0x7e57;

function batches(count: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (let start = 0; start < count; start += BATCH) {
    out.push(Uint32Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => start + i));
  }
  return out;
}

/** What grading needs from a model: rows of ids [rows, L] in, the head outputs out (row-major). */
export interface TextPredictor {
  /** Word logits [M, V] at the flat positions (row·L + slot) of `positions`. */
  maskedWordLogits(
    ids: Int32Array,
    rows: number,
    positions: Int32Array,
  ): Float32Array | Promise<Float32Array>;
  /** Word-order logits [rows, L, L]. */
  positionLogits(ids: Int32Array, rows: number): Float32Array | Promise<Float32Array>;
  /** Sentence embeddings [rows, d]. */
  embeddings(ids: Int32Array, rows: number): Float32Array | Promise<Float32Array>;
}

/** The trained weights, through the tfjs forward pass. */
export function tfjsPredictor(params: TextParams, o: TextTransformerOptions): TextPredictor {
  const ids2d = (ids: Int32Array, rows: number) => tf.tensor2d(ids, [rows, o.maxLength], 'int32');
  return {
    maskedWordLogits: (ids, rows, positions) =>
      tf.tidy(() => {
        const states = encode(params, ids2d(ids, rows), o, true);
        const flat = tf.reshape(states, [rows * o.maxLength, o.dim]) as tf.Tensor2D;
        return wordLogits(
          params,
          tf.gather(flat, tf.tensor1d(positions, 'int32')),
        ).dataSync() as Float32Array;
      }),
    positionLogits: (ids, rows) =>
      tf.tidy(
        () => positionLogits(params, encode(params, ids2d(ids, rows), o, false)).dataSync() as Float32Array,
      ),
    embeddings: (ids, rows) =>
      tf.tidy(() => {
        const x = ids2d(ids, rows);
        return meanPool(encode(params, x, o, true), x).dataSync() as Float32Array;
      }),
  };
}

export interface MaskedWordMetrics {
  maskedTop1: number;
  maskedTop5: number;
  unigramTop1: number;
  unigramTop5: number;
  maskedSentences: number;
}

export async function evaluateMaskedWords(
  model: TextPredictor,
  vocabSize: number,
  test: EncodedSentences,
  seed: number,
): Promise<MaskedWordMetrics> {
  const rng = createRng(mixSeed(seed, EVAL_STREAM, 1));
  let top1 = 0;
  let top5 = 0;
  let uni1 = 0;
  let uni5 = 0;
  let graded = 0;
  for (const rows of batches(test.count)) {
    const batch = maskOneWord(test, rows, rng);
    const logits = await model.maskedWordLogits(batch.input, rows.length, batch.positions);
    batch.targets.forEach((target, r) => {
      if (target === UNK_ID) return;
      graded++;
      const row = logits.subarray(r * vocabSize, (r + 1) * vocabSize);
      let rank = 0;
      for (let id = SPECIAL_TOKENS.length; id < vocabSize; id++) if (row[id]! > row[target]!) rank++;
      if (rank < 1) top1++;
      if (rank < 5) top5++;
      const frequencyRank = target - SPECIAL_TOKENS.length;
      if (frequencyRank < 1) uni1++;
      if (frequencyRank < 5) uni5++;
    });
  }
  const share = (k: number) => (graded === 0 ? 0 : k / graded);
  return {
    maskedTop1: share(top1),
    maskedTop5: share(top5),
    unigramTop1: share(uni1),
    unigramTop5: share(uni5),
    maskedSentences: graded,
  };
}

export interface WordOrderMetrics {
  orderExactMatch: number;
  orderKendallTau: number;
  randomExactMatch: number;
  randomKendallTau: number;
  orderSentences: number;
}

export async function evaluateWordOrder(
  model: TextPredictor,
  test: EncodedSentences,
  seed: number,
): Promise<WordOrderMetrics> {
  const rng = createRng(mixSeed(seed, EVAL_STREAM, 2));
  const randomRng = createRng(mixSeed(seed, EVAL_STREAM, 3));
  const l = test.maxLength;
  const sums = { exact: 0, tau: 0, randomExact: 0, randomTau: 0 };
  for (const rows of batches(test.count)) {
    const batch = shuffleWords(test, rows, rng);
    const logits = await model.positionLogits(batch.input, rows.length);
    for (let r = 0; r < rows.length; r++) {
      const n = batch.lengths[r]!;
      const tokens = Array.from(batch.input.subarray(r * l, r * l + n));
      const truth = Array.from(batch.targets.subarray(r * l, r * l + n));
      const grade = (predicted: number[]) => {
        const aligned = alignRepeatedTokens(tokens, truth, predicted);
        return { exact: aligned.every((p, i) => p === predicted[i]), tau: kendallTau(predicted, aligned) };
      };
      const model = grade(bestAssignment(positionScores(logits.subarray(r * l * l, (r + 1) * l * l), n, l)));
      const random = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = randomRng.int(i + 1);
        [random[i], random[j]] = [random[j]!, random[i]!];
      }
      const chance = grade(random);
      sums.exact += model.exact ? 1 : 0;
      sums.tau += model.tau;
      sums.randomExact += chance.exact ? 1 : 0;
      sums.randomTau += chance.tau;
    }
  }
  const mean = (v: number) => v / Math.max(1, test.count);
  return {
    orderExactMatch: mean(sums.exact),
    orderKendallTau: mean(sums.tau),
    randomExactMatch: mean(sums.randomExact),
    randomKendallTau: mean(sums.randomTau),
    orderSentences: test.count,
  };
}

/** Sentence embeddings [count, d] of the ordered pass (no masks), row-major. */
export async function embedSentences(
  model: TextPredictor,
  data: EncodedSentences,
  dim: number,
): Promise<Float32Array> {
  const out = new Float32Array(data.count * dim);
  for (const rows of batches(data.count)) {
    const from = rows[0]! * data.maxLength;
    out.set(
      await model.embeddings(data.ids.subarray(from, from + rows.length * data.maxLength), rows.length),
      rows[0]! * dim,
    );
  }
  return out;
}

/** For a few query sentences, the test sentences whose embeddings are closest by cosine similarity. */
export function nearestNeighbours(
  embeddings: Float32Array,
  dim: number,
  queries: readonly number[],
  k: number,
): { query: number; neighbours: { index: number; cosine: number }[] }[] {
  const count = embeddings.length / dim;
  const norms = Array.from({ length: count }, (_, i) => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += embeddings[i * dim + j]! ** 2;
    return Math.sqrt(s) || 1;
  });
  return queries.map((q) => {
    const scored: { index: number; cosine: number }[] = [];
    for (let i = 0; i < count; i++) {
      if (i === q) continue;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += embeddings[q * dim + j]! * embeddings[i * dim + j]!;
      scored.push({ index: i, cosine: dot / (norms[q]! * norms[i]!) });
    }
    scored.sort((a, b) => b.cosine - a.cosine);
    return { query: q, neighbours: scored.slice(0, k) };
  });
}

/** Eight test sentences, evenly spread, and their three nearest neighbours by cosine, as a Markdown table. */
export function neighboursMarkdown(
  sentences: readonly (readonly string[])[],
  embeddings: Float32Array,
  dim: number,
): string {
  const queries = Array.from({ length: Math.min(8, sentences.length) }, (_, i) =>
    Math.floor((i * sentences.length) / 8),
  );
  const lines = ['| query | nearest test sentences (cosine) |', '|---|---|'];
  for (const { query, neighbours } of nearestNeighbours(embeddings, dim, queries, 3)) {
    const near = neighbours
      .map((n) => `${sentences[n.index]!.join(' ')} (${n.cosine.toFixed(2)})`)
      .join('<br>');
    lines.push(`| ${sentences[query]!.join(' ')} | ${near} |`);
  }
  return `${lines.join('\n')}\n`;
}

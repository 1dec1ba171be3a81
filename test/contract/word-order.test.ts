// Word-order recovery helpers shared by the evaluation and /v1/text/unshuffle, and the fill-mask ranking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SPECIAL_TOKENS, Tokenizer } from '../../worker/contract/tokenizer';
import {
  alignRepeatedTokens,
  bestAssignment,
  invertPermutation,
  kendallTau,
  positionScores,
} from '../../worker/contract/word-order';
import { topWords } from '../../worker/text/fill-mask';

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}
const total = (score: number[][], position: number[]) => position.reduce((s, p, i) => s + score[i]![p]!, 0);

describe('bestAssignment', () => {
  it('finds the order with the largest total score, as trying every permutation does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) =>
          fc.array(fc.array(fc.double({ min: -20, max: 0, noNaN: true }), { minLength: n, maxLength: n }), {
            minLength: n,
            maxLength: n,
          }),
        ),
        (score) => {
          const best = Math.max(...permutations(score.length).map((p) => total(score, p)));
          const position = bestAssignment(score);
          expect([...position].sort((a, b) => a - b)).toEqual(score.map((_, i) => i));
          expect(total(score, position)).toBeCloseTo(best, 9);
        },
      ),
    );
  });

  it('does not give two words one place even when both prefer it', () => {
    // Both words like position 0 best; word 0 likes it much more, so word 1 goes to position 1.
    expect(
      bestAssignment([
        [-0.1, -5],
        [-1, -2],
      ]),
    ).toEqual([0, 1]);
    expect(() => bestAssignment([[0, 1]])).toThrow(/n×n matrix/);
  });

  it('inverts to the order of words', () => {
    expect(invertPermutation([2, 0, 1])).toEqual([1, 2, 0]);
  });
});

describe('kendallTau', () => {
  it('is 1 for the same order, −1 reversed, and counts pairs by hand', () => {
    expect(kendallTau([0, 1, 2, 3], [0, 1, 2, 3])).toBe(1);
    expect(kendallTau([0, 1, 2, 3], [3, 2, 1, 0])).toBe(-1);
    // One swapped neighbour pair out of 6: (5 − 1) / 6.
    expect(kendallTau([0, 1, 2, 3], [1, 0, 2, 3])).toBeCloseTo(4 / 6, 12);
    expect(kendallTau([0], [0])).toBe(1);
  });
});

describe('alignRepeatedTokens', () => {
  it('treats two copies of one word as interchangeable', () => {
    // "the cat saw the dog": tokens [the, cat, saw, the, dog], shuffled so the two "the"s swapped places.
    const tokens = [7, 8, 9, 7, 10];
    const truth = [3, 1, 2, 0, 4];
    const predicted = [0, 1, 2, 3, 4];
    expect(alignRepeatedTokens(tokens, truth, predicted)).toEqual([0, 1, 2, 3, 4]);
    expect(alignRepeatedTokens([1, 2], [1, 0], [0, 1])).toEqual([1, 0]);
  });
});

describe('positionScores', () => {
  it('log-softmaxes each token row over the first n positions only', () => {
    const l = 3;
    const logits = [0, 0, 99, 1, 0, 99, 0, 0, 0];
    const scores = positionScores(logits, 2, l);
    expect(scores[0]).toEqual([Math.log(0.5), Math.log(0.5)]);
    expect(Math.exp(scores[1]![0]!) + Math.exp(scores[1]![1]!)).toBeCloseTo(1, 12);
  });
});

describe('topWords', () => {
  const tokenizer = new Tokenizer([...SPECIAL_TOKENS, 'school', 'home', 'work']);

  it('ranks real words by probability, never a special token, probabilities summing to 1', () => {
    const logits = [50, 50, 50, 1, 3, 2];
    const ranked = topWords(logits, tokenizer, 5);
    expect(ranked.map((w) => w.word)).toEqual(['home', 'work', 'school']);
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2);
    expect(ranked[0]!.probability).toBeCloseTo(Math.exp(3) / z, 12);
    expect(ranked.reduce((s, w) => s + w.probability, 0)).toBeCloseTo(1, 12);
    expect(topWords(logits, tokenizer, 1)).toHaveLength(1);
  });
});

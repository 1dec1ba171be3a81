// The seeded batch builders of the two pretext tasks.
import { describe, expect, it } from 'vitest';
import { encodeSentences, maskOneWord, maskWords, shuffleWords } from '../../../train/text/pretext';
import { createRng } from '../../../worker/contract/rng';
import { buildVocabulary, MASK_ID, Tokenizer } from '../../../worker/contract/tokenizer';

const sentences = [
  ['i', 'am', 'going', 'to', 'school'],
  ['the', 'cat', 'sat', 'on', 'the', 'mat'],
  ['a', 'good', 'book'],
];
const tokenizer = new Tokenizer(buildVocabulary(sentences, 100));
const data = encodeSentences(tokenizer, sentences, 8);
const rows = [0, 1, 2];

describe('encodeSentences', () => {
  it('writes ids row by row, padded with 0, and the lengths', () => {
    expect(Array.from(data.lengths)).toEqual([5, 6, 3]);
    expect(tokenizer.decode(data.ids.subarray(8, 16))).toBe('the cat sat on the mat');
    expect(Array.from(data.ids.subarray(19, 24))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('maskWords', () => {
  it('hides at least one word a sentence and keeps the true words as targets', () => {
    const batch = maskWords(data, rows, createRng(1), { maskRate: 0.15, vocabSize: tokenizer.size });
    expect(batch.positions.length).toBe(3); // round(0.15·n) < 1 for these short sentences → one each
    batch.positions.forEach((at, k) => {
      expect(batch.targets[k]).toBe(data.ids[at]);
      expect(Math.floor(at / 8)).toBe(k);
    });
  });

  it('gives the same batch for the same seed, and masks with [MASK] about 80 % of the time', () => {
    const options = { maskRate: 0.5, vocabSize: tokenizer.size };
    expect(maskWords(data, rows, createRng(5), options)).toEqual(
      maskWords(data, rows, createRng(5), options),
    );
    let masked = 0;
    let hidden = 0;
    for (let seed = 0; seed < 300; seed++) {
      const batch = maskWords(data, rows, createRng(seed), options);
      hidden += batch.positions.length;
      for (const at of batch.positions) if (batch.input[at] === MASK_ID) masked++;
    }
    expect(masked / hidden).toBeGreaterThan(0.75);
    expect(masked / hidden).toBeLessThan(0.85);
  });

  it('maskOneWord hides exactly one word a sentence with [MASK]', () => {
    const batch = maskOneWord(data, rows, createRng(2));
    expect(batch.positions.length).toBe(3);
    for (const at of batch.positions) expect(batch.input[at]).toBe(MASK_ID);
  });
});

describe('shuffleWords', () => {
  it('permutes each sentence; the targets put every word back', () => {
    const batch = shuffleWords(data, rows, createRng(3));
    rows.forEach((row, r) => {
      const n = data.lengths[row]!;
      const restored = new Array<number>(n);
      for (let slot = 0; slot < n; slot++)
        restored[batch.targets[r * 8 + slot]!] = batch.input[r * 8 + slot]!;
      expect(restored).toEqual(Array.from(data.ids.subarray(row * 8, row * 8 + n)));
      expect(Array.from(batch.input.subarray(r * 8 + n, r * 8 + 8)).every((id) => id === 0)).toBe(true);
    });
    expect(shuffleWords(data, rows, createRng(3))).toEqual(batch);
  });
});

// The shared word tokenizer (worker/contract/tokenizer.ts): what training and the worker both rely on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildVocabulary,
  MASK,
  MASK_ID,
  PAD_ID,
  padBatch,
  SPECIAL_TOKENS,
  Tokenizer,
  tokens,
  UNK_ID,
  vocabularyJson,
  words,
} from '../../worker/contract/tokenizer';

const vocabulary = [...SPECIAL_TOKENS, 'i', 'am', 'going', 'to', 'school', "don't", 'café', 'naïve', '42'];
const tokenizer = new Tokenizer(vocabulary);

describe('words', () => {
  it('lowercases and drops punctuation, keeping apostrophes inside words', () => {
    expect(words('I am going to school!')).toEqual(['i', 'am', 'going', 'to', 'school']);
    expect(words('"Don\'t," she said -- twice... (really?)')).toEqual([
      "don't",
      'she',
      'said',
      'twice',
      'really',
    ]);
    // Quotes around a word are punctuation; an apostrophe between letters belongs to the word.
    expect(words("'quoted' o'clock rock-'n'-roll")).toEqual(['quoted', "o'clock", 'rock', 'n', 'roll']);
  });

  it('reads curly apostrophes, full-width letters and composed accents as their plain forms', () => {
    expect(words('Don’t')).toEqual(["don't"]);
    expect(words('ＳＣＨＯＯＬ')).toEqual(['school']);
    // "café" written with a combining acute accent (e + U+0301) is the same word as the composed one.
    expect(words('cafe\u0301')).toEqual(words('café'));
    expect(words('Naïve Ünïcödé 42')).toEqual(['naïve', 'ünïcödé', '42']);
    expect(words('日本語 テキスト')).toEqual(['日本語', 'テキスト']);
  });

  it('finds no words in punctuation, symbols and spaces', () => {
    expect(words(' ?!… — *** \t\n')).toEqual([]);
    expect(words('')).toEqual([]);
  });
});

describe('tokens', () => {
  it('turns [MASK] (any case) into the mask token, even glued to words', () => {
    expect(tokens('I am going to [MASK].')).toEqual(['i', 'am', 'going', 'to', MASK]);
    expect(tokens('[mask]going[Mask]')).toEqual([MASK, 'going', MASK]);
  });
});

describe('Tokenizer', () => {
  it('round-trips a sentence of known words through encode and decode', () => {
    const encoded = tokenizer.encode('I am going to school.');
    expect(encoded.ids).toEqual([3, 4, 5, 6, 7]);
    expect(tokenizer.decode(encoded.ids)).toBe('i am going to school');
    expect(tokenizer.decode([...encoded.ids, PAD_ID, PAD_ID])).toBe('i am going to school');
  });

  it('round-trips any list of vocabulary words (property)', () => {
    const known = vocabulary.slice(SPECIAL_TOKENS.length);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...known), { maxLength: 16 }), (list) => {
        const text = list.join(' ');
        expect(tokenizer.decode(tokenizer.encode(text).ids)).toBe(text);
      }),
    );
  });

  it('maps unknown words to [UNK] and counts them, keeping the written words', () => {
    const encoded = tokenizer.encode('I am going to Zanzibar [MASK]');
    expect(encoded.ids).toEqual([3, 4, 5, 6, UNK_ID, MASK_ID]);
    expect(encoded.tokens).toEqual(['i', 'am', 'going', 'to', '[UNK]', '[MASK]']);
    expect(encoded.words).toEqual(['i', 'am', 'going', 'to', 'zanzibar', '[MASK]']);
    expect(encoded.unknown).toBe(1);
    // The literal words "unk" and "pad" are ordinary (unknown) words, not special tokens.
    expect(tokenizer.encode('[UNK] [PAD]').words).toEqual(['unk', 'pad']);
  });

  it('rejects a vocabulary without the special tokens first, or with a repeated word', () => {
    expect(() => new Tokenizer(['school', ...SPECIAL_TOKENS])).toThrowErrorMatchingInlineSnapshot(
      `[Error: vocabulary[0] must be [PAD], got "school"]`,
    );
    expect(() => new Tokenizer([...SPECIAL_TOKENS, 'a', 'b', 'a'])).toThrowErrorMatchingInlineSnapshot(
      `[Error: vocabulary lists "a" twice (ids 3 and 5)]`,
    );
    expect(() => tokenizer.wordOf(99)).toThrow(/outside the vocabulary \(size 12\)/);
  });
});

describe('buildVocabulary', () => {
  it('keeps the special tokens, then words by frequency, ties alphabetically', () => {
    const sentences = [
      ['b', 'a', 'c'],
      ['c', 'b'],
      ['c', 'd'],
    ];
    expect(buildVocabulary(sentences, 6)).toEqual([...SPECIAL_TOKENS, 'c', 'b', 'a']);
    expect(buildVocabulary(sentences, 100)).toEqual([...SPECIAL_TOKENS, 'c', 'b', 'a', 'd']);
    expect(() => buildVocabulary(sentences, 3)).toThrow(/Illegal vocabulary size 3/);
  });

  it('is written as exactly JSON.stringify of the list (the manifest hashes these bytes)', () => {
    expect(vocabularyJson(['[PAD]', 'a'])).toBe('["[PAD]","a"]');
  });
});

describe('padBatch', () => {
  it('right-pads rows with [PAD] into one float32 batch and refuses rows that are too long', () => {
    expect(Array.from(padBatch([[5, 6], [7]], 3))).toEqual([5, 6, 0, 7, 0, 0]);
    expect(() => padBatch([[1, 2, 3, 4]], 3)).toThrow(/row 0 has 4 tokens, more than 3/);
  });
});

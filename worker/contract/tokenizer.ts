// The word-level tokenizer shared by training (train/text/) and the worker (worker/routes/text-*.ts), so
// the two can never split a sentence differently. Plain TypeScript, no Node or Workers APIs.
//
// Rules, in order: Unicode NFKC (full-width letters, ligatures and composed accents become one form),
// lowercase, curly apostrophes become ', then a word is a run of letters, digits and combining marks
// that may contain inner apostrophes ("don't", "o'clock"). Everything else (punctuation, symbols,
// spaces, hyphens) only separates words and is dropped: the lecture's tasks are about words, and a
// full stop would make word-order recovery trivially "put it last". The literal `[MASK]` (any case)
// is the mask token, so a client can write "i am going to [MASK]".

export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const MASK = '[MASK]';
/** The special tokens, at ids 0, 1, 2 of every vocabulary. */
export const SPECIAL_TOKENS = [PAD, UNK, MASK] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const MASK_ID = 2;

const WORD = /[\p{L}\p{N}\p{M}]+(?:'[\p{L}\p{N}\p{M}]+)*/gu;
const MASK_LITERAL = /\[mask\]/i;

/** The words of a text, lowercased; punctuation and symbols are dropped. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[’‘ʼ`]/g, "'")
      .match(WORD) ?? []
  );
}

/** Words and `[MASK]`s of a text, in order. */
export function tokens(text: string): string[] {
  const pieces = text.split(MASK_LITERAL);
  return pieces.flatMap((piece, i) => (i === 0 ? words(piece) : [MASK, ...words(piece)]));
}

/**
 * The vocabulary: the special tokens, then the `size − 3` most frequent words of `sentences`;
 * equal counts are ordered alphabetically so the same corpus always gives the same file.
 */
export function buildVocabulary(sentences: Iterable<readonly string[]>, size: number): string[] {
  if (!Number.isInteger(size) || size <= SPECIAL_TOKENS.length) {
    throw new RangeError(
      `Illegal vocabulary size ${size}: it must exceed the ${SPECIAL_TOKENS.length} special tokens`,
    );
  }
  const counts = new Map<string, number>();
  for (const sentence of sentences) for (const w of sentence) counts.set(w, (counts.get(w) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [...SPECIAL_TOKENS, ...ranked.slice(0, size - SPECIAL_TOKENS.length).map(([w]) => w)];
}

/**
 * vocab.json's bytes: JSON.stringify of the word list, nothing else. A reader that only has the
 * parsed list (a bundled JSON module) can therefore check the manifest's sha256 of the file.
 */
export function vocabularyJson(vocabulary: readonly string[]): string {
  return JSON.stringify(vocabulary);
}

export interface Encoded {
  /** Token ids, one per token (no padding). */
  ids: number[];
  /** The tokens as the model sees them: words, `[MASK]`, or `[UNK]` for out-of-vocabulary words. */
  tokens: string[];
  /** The words as written (lowercased), `[MASK]` for masks: what an answer shows back. */
  words: string[];
  /** How many words are not in the vocabulary. */
  unknown: number;
}

export class Tokenizer {
  readonly vocabulary: readonly string[];
  readonly #ids: Map<string, number>;

  constructor(vocabulary: readonly string[]) {
    SPECIAL_TOKENS.forEach((special, id) => {
      if (vocabulary[id] !== special) {
        throw new Error(`vocabulary[${id}] must be ${special}, got ${JSON.stringify(vocabulary[id])}`);
      }
    });
    this.#ids = new Map();
    vocabulary.forEach((word, id) => {
      if (this.#ids.has(word))
        throw new Error(`vocabulary lists "${word}" twice (ids ${this.#ids.get(word)} and ${id})`);
      this.#ids.set(word, id);
    });
    this.vocabulary = vocabulary;
  }

  get size(): number {
    return this.vocabulary.length;
  }

  /** The id of a word; `[UNK]`'s for a word outside the vocabulary. */
  idOf(word: string): number {
    return this.#ids.get(word) ?? UNK_ID;
  }

  wordOf(id: number): string {
    const word = this.vocabulary[id];
    if (word === undefined)
      throw new RangeError(`token id ${id} is outside the vocabulary (size ${this.size})`);
    return word;
  }

  encode(text: string): Encoded {
    const written = tokens(text);
    const ids = written.map((w) => (w === MASK ? MASK_ID : this.idOf(w)));
    return {
      ids,
      tokens: ids.map((id) => this.wordOf(id)),
      words: written,
      unknown: ids.filter((id) => id === UNK_ID).length,
    };
  }

  /** Ids back to text: tokens joined by single spaces, padding left out. */
  decode(ids: Iterable<number>): string {
    return [...ids]
      .filter((id) => id !== PAD_ID)
      .map((id) => this.wordOf(id))
      .join(' ');
  }
}

/**
 * Rows of token ids, each right-padded with [PAD] to `length`, as the float32 batch the ONNX graph
 * takes (ids < 2²⁴ are exact in float32). Throws if a row is longer than `length`.
 */
export function padBatch(rows: readonly (readonly number[])[], length: number): Float32Array {
  const batch = new Float32Array(rows.length * length);
  rows.forEach((ids, r) => {
    if (ids.length > length) throw new RangeError(`row ${r} has ${ids.length} tokens, more than ${length}`);
    batch.set(ids, r * length);
  });
  return batch;
}

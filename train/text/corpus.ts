// The text corpus: Debian's `fortunes` package (≈ 15,000 quotations, jokes and aphorisms in
// /usr/share/games/fortunes, one file per theme, entries separated by lines holding only "%"),
// split into sentences and tokenized by the shared tokenizer (worker/contract/tokenizer.ts).
//
// Split (fixed, documented, independent of the seed and of the file order): a sentence is in the test
// split when the FNV-1a hash of its words joined by spaces is 0 mod 10 (≈ 10 %). Duplicate sentences
// are kept once, and because the split is a function of the words, a sentence that appears twice in
// the corpus can never be on both sides.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { words } from '../../worker/contract/tokenizer';
import { DatasetError } from '../data/dataset';

export const FORTUNES_DIR = '/usr/share/games/fortunes';
/** Shorter sentences leave too little to fill in or to order. */
export const MIN_WORDS = 3;
/** Files of pictures or of text to be translated, not English prose. */
const SKIPPED_FILES = new Set(['ascii-art', 'translate-me']);

/** The entries of one fortune file (separated by lines that hold only "%"). */
export function fortuneEntries(text: string): string[] {
  return text
    .split(/^%[ \t]*$/m)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * The prose of one entry: overstriking (x\bx, _\bx, the old way to print bold and underline)
 * removed, attribution lines ("-- Mark Twain") and dialogue speaker tags dropped, lines joined.
 */
export function entryProse(entry: string): string {
  return removeOverstrike(entry)
    .split('\n')
    .filter((line) => !/^\s*(--|—)/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A backspace erases the character before it (x BS x printed bold, _ BS x underlined). */
function removeOverstrike(text: string): string {
  const out: string[] = [];
  for (const char of text) {
    if (char === '\b') out.pop();
    else out.push(char);
  }
  return out.join('');
}

/** Sentences of a prose string: cut after ., ! or ? (and closing quotes) followed by a space. */
export function sentences(prose: string): string[] {
  return prose
    .split(/(?<=[.!?]["'”’)]*)\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** FNV-1a, 32-bit: a stable hash of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The fixed train/test split: ≈ 10 % of sentences, chosen by a hash of their words. */
export function isTestSentence(sentenceWords: readonly string[]): boolean {
  return fnv1a(sentenceWords.join(' ')) % 10 === 0;
}

export interface CorpusOptions {
  /** Shortest sentence kept, in words (shorter ones say too little to order or fill). */
  minWords: number;
  /** Longest sentence kept, in words: the model's sequence length; longer ones are left out. */
  maxWords: number;
}

export interface TextCorpus {
  train: string[][];
  test: string[][];
  /** The split in words, for the manifest. */
  split: string;
  /** Sentences seen before the length filter and de-duplication. */
  sentencesSeen: number;
}

/** Sentences (as word lists) of fortune-file texts, split, filtered by length and de-duplicated. */
export function corpusFromTexts(texts: Iterable<string>, options: CorpusOptions): TextCorpus {
  const seen = new Set<string>();
  const train: string[][] = [];
  const test: string[][] = [];
  let sentencesSeen = 0;
  for (const text of texts) {
    for (const entry of fortuneEntries(text)) {
      for (const sentence of sentences(entryProse(entry))) {
        sentencesSeen++;
        const w = words(sentence);
        if (w.length < options.minWords || w.length > options.maxWords) continue;
        const key = w.join(' ');
        if (seen.has(key)) continue;
        seen.add(key);
        (isTestSentence(w) ? test : train).push(w);
      }
    }
  }
  return {
    train,
    test,
    sentencesSeen,
    split: `sentences of ${options.minWords}–${options.maxWords} words, de-duplicated; test = FNV-1a(words joined by spaces) mod 10 = 0`,
  };
}

/** Reads every fortune file of `dir` (sorted by name) into a corpus. */
export function loadFortunesCorpus(dir: string, options: CorpusOptions): TextCorpus & { files: string[] } {
  if (!existsSync(dir)) {
    throw new DatasetError(
      `No fortune files in ${dir}. Install them with \`apt-get install fortunes\` (Debian/Ubuntu), or point --corpus-dir at a folder of fortune files (entries separated by lines holding only "%").`,
    );
  }
  const files = readdirSync(dir)
    .filter((name) => !name.includes('.') && !SKIPPED_FILES.has(name))
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
  if (files.length === 0)
    throw new DatasetError(`${dir} holds no fortune files (names without an extension)`);
  const corpus = corpusFromTexts(
    files.map((name) => readFileSync(join(dir, name), 'utf8')),
    options,
  );
  if (corpus.train.length === 0 || corpus.test.length === 0) {
    throw new DatasetError(
      `${dir}: no sentences of ${options.minWords}–${options.maxWords} words in both splits`,
    );
  }
  return { ...corpus, files, split: `${corpus.split}; files: ${files.join(', ')} from ${dir}` };
}

// The fortunes corpus: parsing, sentence splitting and the fixed split on small fixtures; the real
// corpus only where the Debian package is installed.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  corpusFromTexts,
  entryProse,
  FORTUNES_DIR,
  fnv1a,
  fortuneEntries,
  isTestSentence,
  loadFortunesCorpus,
  sentences,
} from '../../../train/text/corpus';

const FILE = [
  'A day for firm decisions!!!!!  Or is it?',
  '%',
  'He who laughs last',
  'laughs best.',
  '\t\t-- Anonymous',
  '%',
  'B\bBo\bol\bld\bd and _\bu_\bn_\bd_\be_\br words here.',
  '%',
  '',
].join('\n');

describe('fortune files', () => {
  it('splits entries at lines holding only "%"', () => {
    expect(fortuneEntries(FILE)).toHaveLength(3);
  });

  it('drops attributions and overstriking, and joins lines', () => {
    const [, second, third] = fortuneEntries(FILE);
    expect(entryProse(second!)).toBe('He who laughs last laughs best.');
    expect(entryProse(third!)).toBe('Bold and under words here.');
  });

  it('cuts sentences after . ! ? and closing quotes', () => {
    expect(sentences('A day for firm decisions!!!!! Or is it? "Yes." Done')).toEqual([
      'A day for firm decisions!!!!!',
      'Or is it?',
      '"Yes."',
      'Done',
    ]);
  });
});

describe('the fixed split', () => {
  it('puts a sentence in the test split by the FNV-1a hash of its words, about 10 %', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c); // the published FNV-1a 32-bit test vector
    const many = Array.from({ length: 5000 }, (_, i) => ['sentence', String(i)]);
    const share = many.filter(isTestSentence).length / many.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
  });

  it('filters by length and keeps each sentence once, on one side only', () => {
    const corpus = corpusFromTexts([FILE, FILE], { minWords: 3, maxWords: 5 });
    const all = [...corpus.train, ...corpus.test].map((s) => s.join(' '));
    expect(all.sort()).toEqual(['a day for firm decisions', 'bold and under words here', 'or is it'].sort());
    expect(corpus.sentencesSeen).toBe(8);
  });

  it('says how to get the corpus when the folder is missing', () => {
    expect(() => loadFortunesCorpus('/nonexistent/fortunes', { minWords: 3, maxWords: 16 })).toThrow(
      /apt-get install fortunes/,
    );
  });
});

const installed = existsSync(FORTUNES_DIR);
describe.skipIf(!installed)(`the Debian fortunes corpus in ${FORTUNES_DIR}`, () => {
  it('gives thousands of training sentences and a ≈ 10 % test split', () => {
    const corpus = loadFortunesCorpus(FORTUNES_DIR, { minWords: 3, maxWords: 16 });
    expect(corpus.train.length).toBeGreaterThan(10_000);
    const share = corpus.test.length / (corpus.train.length + corpus.test.length);
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
    for (const s of corpus.train.slice(0, 100)) expect(s.length).toBeLessThanOrEqual(16);
  });
});
if (!installed)
  console.warn(
    `corpus.test.ts: skipping the real-corpus test: ${FORTUNES_DIR} is missing (apt-get install fortunes)`,
  );

// The text method end to end on a small generated corpus (no fortunes package needed): train a few
// steps, evaluate against the baselines, export with parity, write model.onnx + vocab.json + manifest.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { TrainConfigSchema } from '../../../train/config/schema';
import type { Dataset } from '../../../train/data/dataset';
import type { MethodResult } from '../../../train/methods/method';
import { text } from '../../../train/methods/text';
import { evaluateTextArtifact } from '../../../train/text/report';
import { ManifestSchema, ModelIndexSchema } from '../../../worker/contract/manifest';
import { Tokenizer } from '../../../worker/contract/tokenizer';

const SUBJECTS = ['the cat', 'a dog', 'my friend', 'the teacher', 'every child', 'our neighbour'];
const VERBS = ['reads', 'sees', 'likes', 'finds', 'keeps'];
const OBJECTS = ['a book', 'the ball', 'some bread', 'a letter', 'the map', 'an apple', 'the key'];

/** Fortune files of simple generated sentences, entries separated by "%" lines. */
function writeCorpus(dir: string) {
  mkdirSync(dir, { recursive: true });
  const entries = SUBJECTS.flatMap((s) => VERBS.flatMap((v) => OBJECTS.map((o) => `${s} ${v} ${o}.`)));
  writeFileSync(join(dir, 'simple'), `${entries.join('\n%\n')}\n%\n`);
  writeFileSync(join(dir, 'ignored.dat'), 'binary index, not a fortune file');
}

const emptyImages: Dataset = {
  name: 'none',
  images: new Float32Array(0),
  labels: new Uint8Array(0),
  count: 0,
  classNames: [],
};

describe('text method: a few steps on a generated corpus, export, write the artifact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-text-'));
  const modelDir = join(dir, 'models', 'tiny-text');
  let result: MethodResult;

  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
    writeCorpus(join(dir, 'corpus'));
    const config = TrainConfigSchema.parse({
      ...text.preset,
      name: 'tiny-text',
      corpusDir: join(dir, 'corpus'),
      epochs: 2,
      batchSize: 32,
      vocabSize: 40,
      maxWords: 8,
      textDim: 16,
      textHeads: 2,
      textLayers: 1,
      warmupSteps: 0,
      progress: false,
      modelsDir: join(dir, 'models'),
      runsDir: join(dir, 'runs'),
    });
    result = await text.run({
      config,
      data: { train: emptyImages, test: emptyImages, split: 'unused' },
      runDir: join(dir, 'runs', 'tiny-text'),
      command: 'npm run train -- text --epochs 2',
      backend: tf.getBackend(),
      log: () => {},
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a text manifest whose hashes match model.onnx and vocab.json', () => {
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')));
    const sha = (file: string) =>
      createHash('sha256')
        .update(readFileSync(join(modelDir, file)))
        .digest('hex');
    expect(manifest.onnx.sha256).toBe(sha('model.onnx'));
    expect(manifest.input).toMatchObject({ name: 'ids', shape: [null, 8], layout: 'token-ids' });
    if (manifest.input.layout !== 'token-ids') throw new Error('not a text input');
    expect(manifest.input.tokenizer.sha256).toBe(sha('vocab.json'));
    const vocabulary = JSON.parse(readFileSync(join(modelDir, 'vocab.json'), 'utf8')) as string[];
    expect(new Tokenizer(vocabulary).size).toBe(manifest.input.tokenizer.size);
    expect(manifest).toMatchObject({ method: 'text', tasks: ['fill-mask', 'unshuffle', 'text-embed'] });
    expect(manifest.dataset.name).toBe('fortunes');
    expect(manifest.dataset.trainSize + manifest.dataset.testSize).toBe(
      SUBJECTS.length * VERBS.length * OBJECTS.length,
    );
    expect(manifest.outputs['wordLogits']!.shape).toEqual([8, vocabulary.length]);
    expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
  });

  it('records test metrics next to their baselines', () => {
    for (const key of [
      'maskedTop1',
      'maskedTop5',
      'unigramTop1',
      'unigramTop5',
      'orderExactMatch',
      'orderKendallTau',
      'randomExactMatch',
      'randomKendallTau',
    ]) {
      expect(result.metrics[key]).toBeGreaterThanOrEqual(-1);
      expect(result.metrics[key]).toBeLessThanOrEqual(1);
    }
    expect(result.metrics['maskedSentences']).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'runs', 'tiny-text', 'nearest-neighbours.md'), 'utf8')).toContain(
      '| query |',
    );
  });

  it('makes itself the default for the three text tasks', () => {
    const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'models', 'index.json'), 'utf8')));
    expect(index.defaults).toEqual({
      'fill-mask': 'tiny-text',
      unshuffle: 'tiny-text',
      'text-embed': 'tiny-text',
    });
  });

  it('gets the same metrics back from the exported artefacts alone (onnxruntime-node)', async () => {
    const report = await evaluateTextArtifact(modelDir);
    for (const [key, value] of Object.entries(result.metrics))
      expect(report.metrics[key], key).toBeCloseTo(value, 3);
    expect(report.neighbours.split('\n')[0]).toBe('| query | nearest test sentences (cosine) |');
  });
});

// Generates test/worker/fixtures/text/: a tiny text model (the same architecture, graph writer and
// manifest as `npm run train -- text`, 2 blocks of width 16 over 8 tokens) trained for a few seconds on
// a dozen sentences, so the workerd tests of /v1/text/* run a real model whose answers are known (it
// has learned "i am going to school") without the fortunes package or a long training run.
// Run: `tsx scripts/make-text-fixture.ts` (deterministic: the same code writes the same model.onnx and vocab.json).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../train/backend/select';
import { sha256Hex, writeModelArtifact } from '../train/export/artifact';
import { PARITY_TOLERANCE } from '../train/export/parity';
import {
  readTextWeights,
  TEXT_OUTPUTS,
  textGraphParity,
  textTransformerGraph,
} from '../train/export/text-graph';
import { textPretextLoss } from '../train/text/objective';
import { encodeSentences } from '../train/text/pretext';
import { buildTextTransformer, type TextTransformerOptions } from '../train/text/transformer';
import { createRng } from '../worker/contract/rng';
import { buildVocabulary, Tokenizer, vocabularyJson, words } from '../worker/contract/tokenizer';
import { REPO_ROOT } from './bundle-models';

export const FIXTURE_DIR = join(REPO_ROOT, 'test/worker/fixtures/text');
const NAME = 'fixture-text';
const STEPS = 400;

export const FIXTURE_SENTENCES = [
  'I am going to school.',
  'You are going to work.',
  'We are going home now.',
  'She is reading a good book.',
  'The cat sat on the mat.',
  'The dog sleeps on the mat.',
  'A good book is a good friend.',
  'They are reading at home.',
  'I am reading a book at school.',
  'The cat is a good friend.',
  'You are going home.',
  'We sat at the table.',
];

async function main() {
  await selectBackend({ force: 'wasm', log: () => {} });
  const sentences = FIXTURE_SENTENCES.map(words);
  const vocabulary = buildVocabulary(sentences, 64);
  const tokenizer = new Tokenizer(vocabulary);
  const data = encodeSentences(tokenizer, sentences, 8);
  const options: TextTransformerOptions = {
    vocabSize: vocabulary.length,
    maxLength: 8,
    dim: 16,
    heads: 2,
    layers: 2,
    ffnDim: 64,
    seed: 7,
  };
  const { model, layer } = buildTextTransformer(options);
  const optimizer = tf.train.adam(1e-2);
  const all = Uint32Array.from({ length: data.count }, (_, i) => i);
  let loss = Number.NaN;
  const started = performance.now();
  for (let step = 0; step < STEPS; step++) {
    const rng = createRng(step);
    const value = optimizer.minimize(
      () => textPretextLoss(layer.params(), options, data, all, rng, { maskRate: 0.3, orderWeight: 1 }),
      true,
    )!;
    loss = value.dataSync()[0]!;
    value.dispose();
  }
  optimizer.dispose();
  const params = layer.params();
  const onnx = textTransformerGraph(readTextWeights(params), options);
  const parity = await textGraphParity(params, options, onnx, data.ids);
  if (parity.maxAbsError > PARITY_TOLERANCE) throw new Error(`fixture parity ${parity.maxAbsError}`);

  rmSync(FIXTURE_DIR, { recursive: true, force: true });
  const vocabFile = vocabularyJson(vocabulary);
  const { dir } = writeModelArtifact(
    FIXTURE_DIR,
    {
      name: NAME,
      version: '0.0.1',
      method: 'text',
      description:
        'Test fixture: a tiny text transformer trained on twelve sentences (scripts/make-text-fixture.ts)',
      tasks: ['fill-mask', 'unshuffle', 'text-embed'],
      dataset: {
        name: 'fortunes',
        split: 'the twelve sentences of scripts/make-text-fixture.ts, no test split',
        trainSize: data.count,
        testSize: 0,
      },
      input: {
        name: 'ids',
        shape: [null, options.maxLength],
        dtype: 'float32',
        layout: 'token-ids',
        tokenizer: {
          kind: 'words-v1',
          file: 'vocab.json',
          sha256: sha256Hex(new TextEncoder().encode(vocabFile)),
          size: vocabulary.length,
          special: { pad: 0, unk: 1, mask: 2 },
        },
      },
      outputs: {
        wordLogits: { name: TEXT_OUTPUTS.wordLogits, shape: [options.maxLength, vocabulary.length] },
        embedding: { name: TEXT_OUTPUTS.embedding, shape: [options.dim] },
        positionLogits: { name: TEXT_OUTPUTS.positionLogits, shape: [options.maxLength, options.maxLength] },
      },
      training: {
        command: 'tsx scripts/make-text-fixture.ts',
        backend: 'wasm',
        config: { ...options, steps: STEPS, learningRate: 1e-2, maskRate: 0.3 },
        epochs: STEPS,
        steps: STEPS,
        finalLoss: Number(loss.toPrecision(6)),
        durationSeconds: Math.round((performance.now() - started) / 100) / 10,
      },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      metrics: {},
    },
    onnx,
  );
  writeFileSync(join(dir, 'vocab.json'), vocabFile);
  model.dispose();
  console.log(`wrote ${dir} (final loss ${loss.toFixed(4)}, parity ${parity.maxAbsError.toExponential(1)})`);
}

if (process.argv[1]?.endsWith('make-text-fixture.ts')) await main();

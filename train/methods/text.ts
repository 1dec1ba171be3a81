// The lecture's text pretext tasks on one small transformer encoder: masked-word prediction and
// word-order recovery, trained together (L = L_words + λ·L_order), with the sentence embedding (mean of
// the token states) as the representation they teach. One encoder, one vocabulary and one ONNX graph
// serve /v1/text/fill-mask, /v1/text/unshuffle and /v1/text/embed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../worker/contract/rng';
import { buildVocabulary, Tokenizer, vocabularyJson } from '../../worker/contract/tokenizer';
import { sha256Hex, writeModelArtifact } from '../export/artifact';
import { PARITY_TOLERANCE } from '../export/parity';
import { readTextWeights, TEXT_OUTPUTS, textGraphParity, textTransformerGraph } from '../export/text-graph';
import { type StepContext, trainLoop } from '../loop/fit';
import { loadFortunesCorpus, MIN_WORDS } from '../text/corpus';
import {
  embedSentences,
  evaluateMaskedWords,
  evaluateWordOrder,
  neighboursMarkdown,
  tfjsPredictor,
} from '../text/evaluate';
import { textPretextLoss } from '../text/objective';
import { type EncodedSentences, encodeSentences, maskOneWord } from '../text/pretext';
import { buildTextTransformer, type TextTransformerOptions } from '../text/transformer';
import { loopOptions, type Method, type MethodContext, type MethodResult, manifestBase } from './method';

const round = (v: number) => Number(v.toPrecision(6));

async function run(ctx: MethodContext): Promise<MethodResult> {
  const { config: c } = ctx;
  if (c.textDim % c.textHeads !== 0) {
    throw new Error(`--text-dim ${c.textDim} must be divisible by --text-heads ${c.textHeads}`);
  }
  const corpus = loadFortunesCorpus(c.corpusDir, { minWords: MIN_WORDS, maxWords: c.maxWords });
  const trainSentences = c.trainLimit > 0 ? corpus.train.slice(0, c.trainLimit) : corpus.train;
  const vocabulary = buildVocabulary(trainSentences, c.vocabSize);
  const tokenizer = new Tokenizer(vocabulary);
  const train = encodeSentences(tokenizer, trainSentences, c.maxWords);
  const test = encodeSentences(tokenizer, corpus.test, c.maxWords);
  const options: TextTransformerOptions = {
    vocabSize: vocabulary.length,
    maxLength: c.maxWords,
    dim: c.textDim,
    heads: c.textHeads,
    layers: c.textLayers,
    ffnDim: 4 * c.textDim,
    seed: c.seed,
  };
  const { model, layer } = buildTextTransformer(options);
  const lossOn = (data: EncodedSentences) => (indices: Uint32Array, step: StepContext) =>
    textPretextLoss(layer.params(), options, data, indices, step.rng, c);
  ctx.log(
    `training ${c.name} (text): ${train.count} sentences (${test.count} test), vocabulary ${vocabulary.length}, ` +
      `${c.textLayers} layers d=${c.textDim} ${c.textHeads} heads, ${c.epochs} epochs, batch ${c.batchSize}`,
  );
  const history = await trainLoop({
    model,
    count: train.count,
    loss: lossOn(train),
    validationCount: test.count,
    validationLoss: lossOn(test),
    ...loopOptions(ctx),
  });

  const params = layer.params();
  const predictor = tfjsPredictor(params, options);
  const raw = {
    ...(await evaluateMaskedWords(predictor, options.vocabSize, test, c.seed)),
    ...(await evaluateWordOrder(predictor, test, c.seed)),
  };
  const metrics = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, round(v)]));
  const embeddings = await embedSentences(predictor, test, c.textDim);
  const neighbours = neighboursMarkdown(corpus.test, embeddings, c.textDim);
  mkdirSync(ctx.runDir, { recursive: true });
  writeFileSync(join(ctx.runDir, 'nearest-neighbours.md'), neighbours);
  ctx.log(`nearest neighbours → ${join(ctx.runDir, 'nearest-neighbours.md')}`);

  const onnx = textTransformerGraph(readTextWeights(params), options);
  const probe = maskOneWord(
    test,
    Uint32Array.from({ length: Math.min(64, test.count) }, (_, i) => i),
    createRng(c.seed),
  );
  const parity = await textGraphParity(params, options, onnx, probe.input);
  if (parity.maxAbsError > PARITY_TOLERANCE) {
    throw new Error(`export parity failed: max abs error ${parity.maxAbsError} > ${PARITY_TOLERANCE}`);
  }
  const vocabFile = vocabularyJson(vocabulary);
  const base = manifestBase(ctx, history);
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...base,
      dataset: { name: 'fortunes', split: corpus.split, trainSize: train.count, testSize: test.count },
      input: {
        name: 'ids',
        shape: [null, c.maxWords],
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
      method: 'text',
      description: `Transformer encoder (${c.textLayers} pre-LN blocks, d=${c.textDim}, ${c.textHeads} heads, ≤ ${c.maxWords} words) trained on fortunes sentences with masked-word prediction + ${c.orderWeight}× word-order recovery; embedding = mean of the token states`,
      tasks: ['fill-mask', 'unshuffle', 'text-embed'],
      outputs: {
        wordLogits: { name: TEXT_OUTPUTS.wordLogits, shape: [c.maxWords, vocabulary.length] },
        embedding: { name: TEXT_OUTPUTS.embedding, shape: [c.textDim] },
        positionLogits: { name: TEXT_OUTPUTS.positionLogits, shape: [c.maxWords, c.maxWords] },
      },
      onnx: { parityMaxAbsError: parity.maxAbsError },
      metrics,
    },
    onnx,
  );
  writeFileSync(join(artifact.dir, 'vocab.json'), vocabFile);
  model.dispose();
  ctx.log(
    `test masked word top-1 ${metrics.maskedTop1} top-5 ${metrics.maskedTop5} (unigram ${metrics.unigramTop1} / ${metrics.unigramTop5}); ` +
      `word order exact ${metrics.orderExactMatch} τ ${metrics.orderKendallTau} (random ${metrics.randomExactMatch} / ${metrics.randomKendallTau}); ` +
      `parity ${parity.maxAbsError.toExponential(1)}`,
  );
  ctx.log(`→ ${artifact.dir}`);
  return { artifact, finalLoss: history.finalLoss, metrics };
}

export const text: Method = {
  description: 'text pretext tasks: masked words + word order on a small transformer (fortunes corpus)',
  ownData: true,
  preset: {
    name: 'fortunes-text',
    epochs: 30,
    batchSize: 64,
    learningRate: 1e-3,
    warmupSteps: 200,
    checkpointEvery: 500,
  },
  run,
};

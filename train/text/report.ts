// The text model's evaluation recomputed from its exported artefacts alone (model.onnx, vocab.json and
// the manifest, run by onnxruntime-node), for EVALUATION.md: the same graded metrics as at the end of
// training, and nearest-neighbour examples of the sentence embeddings.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type Manifest, ManifestSchema } from '../../worker/contract/manifest';
import { Tokenizer, vocabularyJson } from '../../worker/contract/tokenizer';
import { FORTUNES_DIR, loadFortunesCorpus, MIN_WORDS } from './corpus';
import {
  embedSentences,
  evaluateMaskedWords,
  evaluateWordOrder,
  neighboursMarkdown,
  type TextPredictor,
} from './evaluate';
import { encodeSentences } from './pretext';

/** The exported graph as a TextPredictor (one run per batch; outputs by the manifest's roles). */
export function onnxPredictor(session: ort.InferenceSession, manifest: Manifest): TextPredictor {
  const l = manifest.input.shape[1];
  const name = (role: string) => {
    const output = manifest.outputs[role];
    if (!output) throw new Error(`${manifest.name} has no "${role}" output`);
    return output.name;
  };
  const run = async (ids: Int32Array, rows: number, role: string) => {
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', Float32Array.from(ids), [rows, l]) };
    const out = await session.run(feeds, [name(role)]);
    return out[name(role)]!.data as Float32Array;
  };
  return {
    async maskedWordLogits(ids, rows, positions) {
      const all = await run(ids, rows, 'wordLogits');
      const v = all.length / (rows * l);
      const picked = new Float32Array(positions.length * v);
      positions.forEach((at, m) => {
        picked.set(all.subarray(at * v, (at + 1) * v), m * v);
      });
      return picked;
    },
    positionLogits: (ids, rows) => run(ids, rows, 'positionLogits'),
    embeddings: (ids, rows) => run(ids, rows, 'embedding'),
  };
}

export interface TextArtifactReport {
  manifest: Manifest;
  metrics: Record<string, number>;
  /** A Markdown table: eight test sentences and their three nearest test sentences by cosine. */
  neighbours: string;
}

/**
 * Grades the model in `dir` on the test split of its corpus (the folder its training config names,
 * unless `corpusDir` is given), with the seed it was trained with.
 */
export async function evaluateTextArtifact(dir: string, corpusDir?: string): Promise<TextArtifactReport> {
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  if (manifest.input.layout !== 'token-ids') throw new Error(`${manifest.name} is not a text model`);
  const { tokenizer: spec, shape } = manifest.input;
  const vocabulary = JSON.parse(readFileSync(join(dir, spec.file), 'utf8')) as string[];
  const sha256 = createHash('sha256').update(vocabularyJson(vocabulary)).digest('hex');
  if (sha256 !== spec.sha256)
    throw new Error(`${dir}/${spec.file}: sha256 ${sha256}, the manifest says ${spec.sha256}`);
  const config = manifest.training.config;
  const folder = corpusDir ?? (typeof config['corpusDir'] === 'string' ? config['corpusDir'] : FORTUNES_DIR);
  const seed = typeof config['seed'] === 'number' ? config['seed'] : 1;
  const corpus = loadFortunesCorpus(folder, { minWords: MIN_WORDS, maxWords: shape[1] });
  const test = encodeSentences(new Tokenizer(vocabulary), corpus.test, shape[1]);

  const session = await ort.InferenceSession.create(readFileSync(join(dir, manifest.onnx.file)));
  try {
    const model = onnxPredictor(session, manifest);
    const metrics = {
      ...(await evaluateMaskedWords(model, vocabulary.length, test, seed)),
      ...(await evaluateWordOrder(model, test, seed)),
    };
    const dim = manifest.outputs['embedding']?.shape[0] ?? 0;
    const neighbours = neighboursMarkdown(corpus.test, await embedSentences(model, test, dim), dim);
    return { manifest, metrics, neighbours };
  } finally {
    await session.release();
  }
}

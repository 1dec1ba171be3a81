// The text endpoints' pipeline (as transformers.js pipelines: prepare → preprocess → run → pick):
// the model for the task with its checked vocabulary, the texts as one padded batch of token ids, one
// run, and the outputs by the roles the manifest names. Errors that depend on the model (too many
// words for its length, only words outside its vocabulary) are 400s that say which text and why.

import type { Manifest, Task, TextInputSpec } from '../contract/manifest';
import {
  type Encoded,
  MASK,
  MASK_ID,
  padBatch,
  Tokenizer,
  UNK_ID,
  vocabularyJson,
} from '../contract/tokenizer';
import { type Issue, invalidInput, modelUnavailable } from '../http/api-error';
import type { Float32Tensor } from '../runtime/model-session';
import { SessionCache, sessionKey } from '../runtime/session-cache';
import { formatPath } from '../schemas/issues';
import type { ModelRegistry, ServableModel } from '../serving/model-registry';
import { sha256HexOfText } from '../store/sha256';

export interface TextModel extends ServableModel {
  spec: TextInputSpec;
  tokenizer: Tokenizer;
  maxLength: number;
}

/** Checked tokenizers per registry and name@version: the vocabulary is hashed once, not per request. */
const tokenizers = new WeakMap<ModelRegistry, SessionCache<Tokenizer>>();

export async function textModel(registry: ModelRegistry, task: Task, requested?: string): Promise<TextModel> {
  const servable = await registry.forTask(task, requested);
  const { manifest } = servable;
  const spec = manifest.input;
  if (spec.layout !== 'token-ids') {
    throw modelUnavailable(manifest.name, `it lists task "${task}" but its input is not token ids`);
  }
  let cache = tokenizers.get(registry);
  if (cache === undefined) {
    cache = new SessionCache<Tokenizer>();
    tokenizers.set(registry, cache);
  }
  const pending = cache.get(sessionKey(manifest.name, manifest.version), () =>
    checkedTokenizer(manifest, spec, servable.vocab),
  );
  return { ...servable, spec, tokenizer: await pending, maxLength: spec.shape[1] };
}

async function checkedTokenizer(manifest: Manifest, spec: TextInputSpec, vocab: unknown): Promise<Tokenizer> {
  const { file, sha256, size } = spec.tokenizer;
  if (vocab === undefined) throw modelUnavailable(manifest.name, `${file} is not bundled`);
  if (!Array.isArray(vocab) || !vocab.every((token) => typeof token === 'string')) {
    throw modelUnavailable(manifest.name, `${file} is not a JSON array of strings`);
  }
  const actual = await sha256HexOfText(vocabularyJson(vocab));
  if (actual !== sha256) {
    throw modelUnavailable(
      manifest.name,
      `the sha256 of ${file} is ${actual}, but its manifest says ${sha256}`,
    );
  }
  if (vocab.length !== size) {
    throw modelUnavailable(
      manifest.name,
      `${file} has ${vocab.length} tokens, but its manifest says ${size}`,
    );
  }
  try {
    return new Tokenizer(vocab);
  } catch (error) {
    throw modelUnavailable(
      manifest.name,
      `${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Encodes each text and checks it fits the model: at most maxLength tokens, and at least one word the
 * model knows (a text of unknown words is all [UNK]: any answer would be noise). `path` names where
 * each text is in the request (`text`, `texts[2]`).
 */
export function encodeTexts(
  model: TextModel,
  texts: readonly string[],
  path: (i: number) => (string | number)[],
): Encoded[] {
  const issues: Issue[] = [];
  const encoded = texts.map((text, i) => {
    const e = model.tokenizer.encode(text);
    const where = formatPath(path(i));
    const wordCount = e.ids.length;
    if (wordCount > model.maxLength) {
      issues.push({
        path: where,
        message: `has ${wordCount} words, but model "${model.manifest.name}" reads at most ${model.maxLength}`,
      });
    } else if (e.ids.every((id) => id === UNK_ID || id === MASK_ID)) {
      const unknown = unknownWords(e).map((w) => JSON.stringify(w));
      issues.push({
        path: where,
        message:
          unknown.length === 0
            ? `has no word besides ${MASK}`
            : `has no word that model "${model.manifest.name}" knows (unknown: ${unknown.join(', ')})`,
      });
    }
    return e;
  });
  if (issues.length > 0) throw invalidInput(issues);
  return encoded;
}

/** One text, sent as the body's `text` field. */
export function encodeText(model: TextModel, text: string): Encoded {
  return encodeTexts(model, [text], () => ['text'])[0]!;
}

/** Runs the graph on the encoded texts; returns the outputs of the given roles. */
export async function runText(
  model: TextModel,
  encoded: readonly Encoded[],
  roles: readonly string[],
  task: Task,
): Promise<Record<string, Float32Tensor>> {
  const ids: Float32Tensor = {
    data: padBatch(
      encoded.map((e) => e.ids),
      model.maxLength,
    ),
    dims: [encoded.length, model.maxLength],
  };
  const results = await model.session.run({ [model.spec.name]: ids });
  const picked: Record<string, Float32Tensor> = {};
  for (const role of roles) {
    const output = model.manifest.outputs[role];
    const tensor = output === undefined ? undefined : results[output.name];
    if (tensor === undefined) {
      throw modelUnavailable(
        model.manifest.name,
        `it lists task "${task}" but its manifest has no "${role}" output`,
      );
    }
    picked[role] = tensor;
  }
  return picked;
}

/** The words outside the vocabulary, once each, in order of appearance (what an answer reports). */
export function unknownWords(e: Encoded): string[] {
  return [...new Set(e.words.filter((_, k) => e.ids[k] === UNK_ID))];
}

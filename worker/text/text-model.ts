// The text endpoints' pipeline (as transformers.js pipelines: prepare → preprocess → run → pick):
// the model for the task with its checked vocabulary, the texts as one padded batch of token ids, one
// run, and the outputs by the roles the manifest names. Errors that depend on the model (too many
// words for its length, only words outside its vocabulary) are 400s that say which text and why.

import type { Task, TextInputSpec } from '../contract/manifest';
import { type Encoded, MASK, MASK_ID, padBatch, type Tokenizer, UNK_ID } from '../contract/tokenizer';
import { type Issue, invalidInput, modelUnavailable } from '../http/api-error';
import type { Float32Tensor } from '../runtime/model-session';
import { formatPath } from '../schemas/issues';
import { rowsPerRun } from '../serving/memory-budget';
import type { ModelRegistry, ServableModel } from '../serving/model-registry';

export interface TextModel extends ServableModel {
  spec: TextInputSpec;
  tokenizer: Tokenizer;
  maxLength: number;
}

export async function textModel(registry: ModelRegistry, task: Task, requested?: string): Promise<TextModel> {
  const servable = await registry.forTask(task, requested);
  const { manifest, tokenizer } = servable;
  const spec = manifest.input;
  // The registry opened the model with its checked vocabulary (worker/serving/model-checks.ts), and the
  // manifest schema keeps text tasks to token-id inputs: this only narrows the types.
  if (spec.layout !== 'token-ids' || tokenizer === undefined) {
    throw modelUnavailable(manifest.name, `it lists task "${task}" but its input is not token ids`);
  }
  return { ...servable, spec, tokenizer, maxLength: spec.shape[1] };
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
  const widths = Object.values(model.manifest.outputs).map((o) => o.shape);
  const results = await model.session.run({ [model.spec.name]: ids }, { maxRows: rowsPerRun(widths) });
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

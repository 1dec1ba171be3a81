// The outputs each task reads (worker/contract/task-outputs.ts): every committed manifest declares them,
// and a manifest that lists a task without its output, or with the wrong shape, is named.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Manifest, ManifestSchema, ModelIndexSchema } from '../../worker/contract/manifest';
import { taskOutputProblems } from '../../worker/contract/task-outputs';

const index = ModelIndexSchema.parse(JSON.parse(readFileSync('models/index.json', 'utf8')));
const committed = (name: string): Manifest =>
  ManifestSchema.parse(JSON.parse(readFileSync(join('models', name, 'manifest.json'), 'utf8')));

describe('taskOutputProblems', () => {
  it.each(index.models)('finds none in the committed manifest of %s', (name) => {
    expect(taskOutputProblems(committed(name))).toEqual([]);
  });

  it('names a missing output, a wrong shape, a vector that is not one, and a missing generator', () => {
    const rotnet = committed('fmnist-rotnet');
    const vae = committed('fmnist-vae');
    const probe = committed('fmnist-probe');
    const { rotationProbabilities: _, ...withoutRotation } = rotnet.outputs;
    expect(taskOutputProblems({ ...rotnet, outputs: withoutRotation })).toEqual([
      'it lists task "rotation" but its manifest has no "rotationProbabilities" or "rotationLogits" output',
    ]);
    expect(
      taskOutputProblems({
        ...rotnet,
        tasks: ['jigsaw', 'embed'],
        outputs: { permutationLogits: { name: 'p', shape: [10] }, embedding: { name: 'e', shape: [4, 4] } },
      }),
    ).toEqual([
      'its "permutationLogits" output has shape [10], but task "jigsaw" needs [24]',
      'its "embedding" output has shape [4, 4], but task "embed" needs a vector',
    ]);
    expect(taskOutputProblems({ ...probe, classNames: ['a', 'b'] })).toEqual([
      'its "probabilities" output has shape [10], but task "classify" needs [2]',
    ]);
    const { generator: __, ...withoutGenerator } = vae;
    expect(taskOutputProblems(withoutGenerator)).toEqual([
      'it lists task "generate" but its manifest has no "generator"',
    ]);
  });

  it('holds a text model to its vocabulary and length', () => {
    const text = committed('fortunes-text');
    expect(
      taskOutputProblems({
        ...text,
        outputs: { ...text.outputs, wordLogits: { name: 'word_logits', shape: [16, 3999] } },
      }),
    ).toEqual(['its "wordLogits" output has shape [16, 3999], but task "fill-mask" needs [16, 4000]']);
  });
});

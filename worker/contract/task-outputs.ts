// Which output roles each task reads, and the shape each must have: the part of a manifest the exporter
// and the API must agree on beyond the schema. A manifest that lists a task without its output would
// otherwise fail on every request of that task; the worker refuses such a version when it opens it.
import { IMAGE_PIXELS } from './image';
import { JIGSAW_PERMUTATIONS } from './jigsaw';
import type { Manifest, Task } from './manifest';
import { ROTATION_ANGLES } from './rotation';

/**
 * A task reads the first of `roles` the manifest lists; `shape` is the shape (without the batch
 * dimension) that role must have, `null` for "any vector" (one dimension of any length).
 */
interface TaskOutput {
  roles: readonly string[];
  shape: (manifest: Manifest) => readonly number[] | null;
}

const vector = () => null;
const image = () => [IMAGE_PIXELS];

export const TASK_OUTPUTS: Readonly<Record<Exclude<Task, 'generate'>, TaskOutput>> = Object.freeze({
  embed: { roles: ['embedding'], shape: vector },
  reconstruct: { roles: ['reconstruction'], shape: image },
  denoise: { roles: ['denoised'], shape: image },
  cluster: { roles: ['distances'], shape: vector },
  rotation: { roles: ['rotationProbabilities', 'rotationLogits'], shape: () => [ROTATION_ANGLES.length] },
  jigsaw: {
    roles: ['permutationProbabilities', 'permutationLogits'],
    shape: () => [JIGSAW_PERMUTATIONS.length],
  },
  classify: {
    roles: ['probabilities', 'logits'],
    shape: (m) => (m.classNames === undefined ? null : [m.classNames.length]),
  },
  'fill-mask': {
    roles: ['wordLogits'],
    shape: (m) => (m.input.layout === 'token-ids' ? [m.input.shape[1], m.input.tokenizer.size] : null),
  },
  unshuffle: {
    roles: ['positionLogits'],
    shape: (m) => (m.input.layout === 'token-ids' ? [m.input.shape[1], m.input.shape[1]] : null),
  },
  'text-embed': { roles: ['embedding'], shape: vector },
  // The query is embedded by the model's own graph, then searched in its reference index.
  neighbors: { roles: ['embedding'], shape: vector },
});

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** What is wrong with the outputs a manifest declares for its tasks; empty when nothing is. */
export function taskOutputProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const task of manifest.tasks) {
    if (task === 'generate') {
      const output = manifest.generator?.output;
      if (output === undefined) problems.push('it lists task "generate" but its manifest has no "generator"');
      else if (shapeText(output.shape) !== shapeText(image())) {
        problems.push(`its generator's output has shape ${shapeText(output.shape)}, not [${IMAGE_PIXELS}]`);
      }
      continue;
    }
    const { roles, shape } = TASK_OUTPUTS[task];
    const role = roles.find((r) => manifest.outputs[r] !== undefined);
    if (role === undefined) {
      const wanted = roles.map((r) => `"${r}"`).join(' or ');
      problems.push(`it lists task "${task}" but its manifest has no ${wanted} output`);
      continue;
    }
    const declared = manifest.outputs[role]!.shape;
    const expected = shape(manifest);
    if (expected === null ? declared.length !== 1 : shapeText(declared) !== shapeText(expected)) {
      const wanted = expected === null ? 'a vector' : shapeText(expected);
      problems.push(
        `its "${role}" output has shape ${shapeText(declared)}, but task "${task}" needs ${wanted}`,
      );
    }
  }
  return problems;
}

// A model's own checks, run when the registry opens a version (./open-model.ts), before it answers a
// single request: the outputs its tasks need, its graph's inputs and outputs (names, and shapes from one
// probe run), its generator graph, and a text model's vocabulary. Any failure is a 503 for this version,
// so the registry's fallback keeps the version served before answering.
import { IMAGE_PIXELS } from '../contract/image';
import type { Manifest, TextInputSpec } from '../contract/manifest';
import { taskOutputProblems } from '../contract/task-outputs';
import { Tokenizer, vocabularyJson } from '../contract/tokenizer';
import { modelUnavailable } from '../http/api-error';
import type { ModelSession } from '../runtime/model-session';
import { sha256HexOfText } from '../store/sha256';

export type GeneratorSpec = NonNullable<Manifest['generator']>;

/** The roles and shapes the manifest's tasks need (worker/contract/task-outputs.ts). */
export function checkTaskOutputs(manifest: Manifest): void {
  const [problem] = taskOutputProblems(manifest);
  if (problem !== undefined) throw modelUnavailable(manifest.name, problem);
}

/**
 * The main graph takes the manifest's input and gives every output it names, in the shape it declares:
 * checked on one row of zeros (a blank image, or a text of padding), so a graph that does not match its
 * manifest is refused here instead of failing, or answering nonsense, on every request.
 */
export async function checkMainGraph(manifest: Manifest, session: ModelSession): Promise<void> {
  const outputs = Object.entries(manifest.outputs).map(([role, o]) => ({ role, ...o }));
  checkGraphNames(manifest.name, session, manifest.input.name, outputs);
  const width = manifest.input.layout === 'token-ids' ? manifest.input.shape[1] : IMAGE_PIXELS;
  const probe = { data: new Float32Array(width), dims: [1, width] };
  await checkShapes(manifest.name, 'its graph', session, { [manifest.input.name]: probe }, outputs);
}

/** The generator (VAE decoder) maps z [N, latent.dims] to images [N, 784], as the manifest says. */
export async function checkGeneratorGraph(
  manifest: Manifest,
  generator: GeneratorSpec,
  session: ModelSession,
): Promise<void> {
  const { latent, output } = generator;
  const outputs = [{ role: 'generated', ...output }];
  checkGraphNames(manifest.name, session, latent.name, outputs, 'generator graph');
  const probe = { data: new Float32Array(latent.dims), dims: [1, latent.dims] };
  await checkShapes(manifest.name, 'its generator graph', session, { [latent.name]: probe }, outputs);
}

/** A text model's vocab.json: the file the manifest hashes, of the size it says, a valid vocabulary. */
export async function checkedTokenizer(
  manifest: Manifest,
  spec: TextInputSpec,
  vocab: unknown,
): Promise<Tokenizer> {
  const { file, sha256, size } = spec.tokenizer;
  const refuse = (reason: string) => modelUnavailable(manifest.name, reason);
  if (vocab === undefined) throw refuse(`${file} is not bundled`);
  if (!Array.isArray(vocab) || !vocab.every((token) => typeof token === 'string')) {
    throw refuse(`${file} is not a JSON array of strings`);
  }
  const actual = await sha256HexOfText(vocabularyJson(vocab));
  if (actual !== sha256) throw refuse(`the sha256 of ${file} is ${actual}, but its manifest says ${sha256}`);
  if (vocab.length !== size)
    throw refuse(`${file} has ${vocab.length} tokens, but its manifest says ${size}`);
  try {
    return new Tokenizer(vocab);
  } catch (error) {
    throw refuse(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface NamedOutput {
  role: string;
  name: string;
  shape: readonly number[];
}

function checkGraphNames(
  model: string,
  session: ModelSession,
  input: string,
  outputs: readonly NamedOutput[],
  graph = 'graph',
): void {
  if (!session.inputNames.includes(input)) {
    const graphInputs = session.inputNames.join(', ');
    throw modelUnavailable(model, `its ${graph} has no input "${input}" (graph inputs: ${graphInputs})`);
  }
  for (const { role, name } of outputs) {
    if (!session.outputNames.includes(name)) {
      const graphOutputs = session.outputNames.join(', ');
      throw modelUnavailable(
        model,
        `its ${graph} has no output "${name}" for role "${role}" (graph outputs: ${graphOutputs})`,
      );
    }
  }
}

async function checkShapes(
  model: string,
  graph: string,
  session: ModelSession,
  feeds: Parameters<ModelSession['run']>[0],
  outputs: readonly NamedOutput[],
): Promise<void> {
  let results: Awaited<ReturnType<ModelSession['run']>>;
  try {
    results = await session.run(feeds);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw modelUnavailable(model, `${graph} fails on a probe input: ${reason}`, error);
  }
  for (const { role, name, shape } of outputs) {
    const dims = results[name]?.dims ?? [];
    const expected = [1, ...shape];
    if (dims.join(',') !== expected.join(',')) {
      throw modelUnavailable(
        model,
        `${graph}'s output "${name}" (role "${role}") has shape [${dims.slice(1).join(', ')}], but its manifest says [${shape.join(', ')}]`,
      );
    }
  }
}

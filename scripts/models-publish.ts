// npm run models:publish -- <name> [--dir models/<name>] [--url http://127.0.0.1:8787]
//                           [--min-metric key=value …] [--max-metric key=value …] [--dry-run]
//
// Puts a retrained model live on a running worker without redeploying it (README, "Retrain and
// redeploy"). Nothing is uploaded unless every check passes:
//   1. manifest.json passes the manifest schema (worker/contract/manifest.ts) and names <name>;
//   2. every file it names is there with its sha256 and size;
//   3. onnxruntime-node loads each graph (int8 variants included) and runs the parity inputs (the first 16 test images of the
//      model's dataset, or 16 seeded token-id rows for a text model): every output is finite and has
//      the shape the manifest declares; a reference index's files hold what the manifest says (sizes,
//      classes, the images gunzip to count × 784 bytes);
//   4. the manifest's test metrics meet the thresholds given (--min-metric psnr=18 --max-metric mse=0.02).
// Then it uploads the version's files with their sha256 (the worker checks them again and refuses a
// mismatch), manifest last, and moves `current` to the version. The admin token comes from
// PRETEXT_ADMIN_TOKEN, never from a flag.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { loadFashionMnistSplit } from '../train/data/fashion-mnist';
import { loadMnist } from '../train/data/mnist';
import { sha256Hex } from '../train/export/artifact';
import { IMAGE_PIXELS } from '../worker/contract/image';
import { DTYPES, graphsFor, type Manifest, ManifestSchema } from '../worker/contract/manifest';
import { decodeReferenceLabels, decodeReferenceVectors } from '../worker/contract/reference-index';
import { createRng } from '../worker/contract/rng';
import { filesOf } from '../worker/store/r2-layout';
import { AdminClient, AdminError, adminTokenFromEnv, DEFAULT_WORKER_URL } from './publish/admin-client';

export const PARITY_ROWS = 16;

export interface Thresholds {
  /** metric → the least acceptable value (e.g. psnr). */
  min: Record<string, number>;
  /** metric → the largest acceptable value (e.g. mse). */
  max: Record<string, number>;
}

export interface ValidatedModel {
  manifest: Manifest;
  /** Every file of the version, manifest.json last (the worker may serve a version only once it is whole). */
  files: { file: string; bytes: Uint8Array }[];
}

/** Why a model may not be published: every problem found, one per line. */
export class PublishRefused extends Error {
  override name = 'PublishRefused';
  constructor(
    readonly model: string,
    readonly problems: string[],
  ) {
    super(`"${model}" is not published:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Steps 1–4 above, with no network: throws PublishRefused listing every problem. */
export async function validateModel(
  name: string,
  dir: string,
  thresholds: Thresholds = { min: {}, max: {} },
): Promise<ValidatedModel> {
  const refuse = (...problems: string[]) => new PublishRefused(name, problems);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw refuse(`${manifestPath} does not exist`);
  const manifestBytes = readFileSync(manifestPath);
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw refuse(`${manifestPath} is not JSON: ${(error as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw refuse(
      ...parsed.error.issues.map((issue) => `manifest.${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const manifest = parsed.data;
  if (manifest.name !== name) throw refuse(`manifest.json names "${manifest.name}", not "${name}"`);

  const problems: string[] = [];
  const files: { file: string; bytes: Uint8Array }[] = [];
  for (const { file, sha256, bytes: size } of filesOf(manifest)) {
    const path = join(dir, file);
    if (!existsSync(path)) {
      problems.push(`${file} does not exist (the manifest names it)`);
      continue;
    }
    const bytes = new Uint8Array(readFileSync(path));
    const actual = sha256Hex(bytes);
    if (actual !== sha256)
      problems.push(`the sha256 of ${file} is ${actual}, but the manifest says ${sha256}`);
    else if (size !== undefined && size !== bytes.byteLength) {
      problems.push(`${file} has ${bytes.byteLength} bytes, but the manifest says ${size}`);
    }
    files.push({ file, bytes });
  }
  if (problems.length > 0) throw refuse(...problems);

  problems.push(...(await graphProblems(manifest, files)));
  problems.push(...referenceProblems(manifest, files));
  problems.push(...metricProblems(manifest, thresholds));
  if (problems.length > 0) throw refuse(...problems);
  files.push({ file: 'manifest.json', bytes: new Uint8Array(manifestBytes) });
  return { manifest, files };
}

/** Loads each graph in onnxruntime-node and runs the parity inputs; finite outputs of the declared shapes. */
async function graphProblems(
  manifest: Manifest,
  files: { file: string; bytes: Uint8Array }[],
): Promise<string[]> {
  const bytesOf = (file: string) => files.find((f) => f.file === file)!.bytes;
  const problems: string[] = [];
  const { input } = manifest;
  const width = input.shape[1];
  const inputData =
    input.layout === 'token-ids' ? tokenRows(input.tokenizer.size, width) : await parityImages(manifest);
  const expected = Object.entries(manifest.outputs).map(([role, o]) => ({
    role,
    name: o.name,
    shape: o.shape,
  }));
  // Every precision of the model (fp32 and each variant, e.g. q8) is checked alike.
  for (const dtype of DTYPES) {
    const graphs = graphsFor(manifest, dtype);
    if (graphs === undefined) continue;
    problems.push(
      ...(await runGraph(
        graphs.onnx.file,
        bytesOf(graphs.onnx.file),
        input.name,
        inputData,
        width,
        expected,
      )),
    );
    if (manifest.generator && graphs.generator) {
      const { latent, output } = manifest.generator;
      const { file } = graphs.generator;
      const rng = createRng(1);
      const z = Float32Array.from({ length: PARITY_ROWS * latent.dims }, () => rng.normal());
      const out = [{ role: 'generated', name: output.name, shape: output.shape }];
      problems.push(...(await runGraph(file, bytesOf(file), latent.name, z, latent.dims, out)));
    }
  }
  return problems;
}

async function runGraph(
  file: string,
  bytes: Uint8Array,
  inputName: string,
  data: Float32Array,
  width: number,
  outputs: { role: string; name: string; shape: readonly number[] }[],
): Promise<string[]> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (error) {
    return [`onnxruntime-node cannot load ${file}: ${(error as Error).message.split('\n')[0]}`];
  }
  try {
    if (!session.inputNames.includes(inputName)) {
      return [`${file} has no input "${inputName}" (its inputs: ${session.inputNames.join(', ')})`];
    }
    const rows = data.length / width;
    const results = await session.run({ [inputName]: new ort.Tensor('float32', data, [rows, width]) });
    const problems: string[] = [];
    for (const { role, name, shape } of outputs) {
      const tensor = results[name];
      if (tensor === undefined) {
        problems.push(
          `${file} has no output "${name}" for role "${role}" (its outputs: ${session.outputNames.join(', ')})`,
        );
        continue;
      }
      const want = [rows, ...shape];
      if (tensor.dims.join(',') !== want.join(',')) {
        problems.push(
          `${file} output "${name}" has shape [${tensor.dims.join(', ')}], the manifest declares [${want.join(', ')}]`,
        );
      }
      const values = tensor.data as ArrayLike<number | bigint>;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(Number(values[i]))) {
          problems.push(
            `${file} output "${name}" is not finite on the parity inputs (value ${i} is ${values[i]})`,
          );
          break;
        }
      }
    }
    return problems;
  } catch (error) {
    return [`${file} fails on the parity inputs: ${(error as Error).message.split('\n')[0]}`];
  } finally {
    await session.release();
  }
}

/** A reference index's files decode as the manifest describes them (the worker checks the same on use). */
function referenceProblems(manifest: Manifest, files: { file: string; bytes: Uint8Array }[]): string[] {
  const { reference } = manifest;
  if (reference === undefined) return [];
  const bufferOf = (file: string) => {
    const { bytes } = files.find((f) => f.file === file)!;
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
  const problems: string[] = [];
  const check = (file: string, decode: () => unknown) => {
    try {
      decode();
    } catch (error) {
      problems.push(`${file} does not hold what the manifest says: it ${(error as Error).message}`);
    }
  };
  const { count, dims, classNames, vectors, labels, images } = reference;
  check(vectors.file, () => decodeReferenceVectors(bufferOf(vectors.file), count, dims));
  check(labels.file, () => decodeReferenceLabels(bufferOf(labels.file), count, classNames.length));
  if (images !== undefined) {
    check(images.file, () => {
      const pixels = gunzipSync(new Uint8Array(bufferOf(images.file)));
      if (pixels.byteLength !== count * IMAGE_PIXELS) {
        throw new Error(`gunzips to ${pixels.byteLength} bytes, not ${count} images of ${IMAGE_PIXELS}`);
      }
    });
  }
  return problems;
}

/** The first 16 images of the model's test split (a folder model has no fixed one: MNIST's test images). */
async function parityImages(manifest: Manifest): Promise<Float32Array> {
  const test =
    manifest.dataset.name === 'fashion-mnist' ? await loadFashionMnistSplit('t10k') : loadMnist().test;
  return test.images.slice(0, PARITY_ROWS * IMAGE_PIXELS);
}

/** 16 rows of token ids drawn (seeded) from the vocabulary, as the text graphs take them (float32). */
function tokenRows(vocabularySize: number, length: number): Float32Array {
  const rng = createRng(1);
  return Float32Array.from({ length: PARITY_ROWS * length }, () => rng.int(vocabularySize));
}

function metricProblems(manifest: Manifest, { min, max }: Thresholds): string[] {
  const problems: string[] = [];
  const check = (
    bounds: Record<string, number>,
    ok: (value: number, bound: number) => boolean,
    word: string,
  ) => {
    for (const [metric, bound] of Object.entries(bounds)) {
      const value = manifest.metrics[metric];
      if (value === undefined) {
        const known = Object.keys(manifest.metrics).join(', ') || 'none';
        problems.push(`metric "${metric}" is not in the manifest (its metrics: ${known})`);
      } else if (!ok(value, bound)) {
        problems.push(`metric ${metric} = ${value} is ${word} the threshold ${bound}`);
      }
    }
  };
  check(min, (v, b) => v >= b, 'below');
  check(max, (v, b) => v <= b, 'above');
  return problems;
}

export function parseThresholds(values: readonly string[] | undefined, flag: string): Record<string, number> {
  const thresholds: Record<string, number> = {};
  for (const value of values ?? []) {
    const match = /^([\w.-]+)=(-?[\d.]+(?:e-?\d+)?)$/i.exec(value);
    if (match === null || !Number.isFinite(Number(match[2]))) {
      throw new AdminError(`${flag} ${value}: expected metric=number, e.g. ${flag} psnr=18`);
    }
    thresholds[match[1]!] = Number(match[2]);
  }
  return thresholds;
}

export interface PublishResult {
  version: string;
  uploaded: string[];
  previous: string | null;
}

/** Uploads a validated version (skipping files the worker already holds identically) and puts it live. */
export async function publishModel(
  client: AdminClient,
  { manifest, files }: ValidatedModel,
): Promise<PublishResult> {
  const uploaded: string[] = [];
  for (const { file, bytes } of files) {
    const { created } = await client.putFile(manifest.name, manifest.version, file, bytes);
    if (created) uploaded.push(file);
  }
  const { previous } = await client.moveCurrent(manifest.name, manifest.version);
  return { version: manifest.version, uploaded, previous };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: 'string' },
      url: { type: 'string', default: DEFAULT_WORKER_URL },
      'min-metric': { type: 'string', multiple: true },
      'max-metric': { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const [name] = positionals;
  if (name === undefined || positionals.length > 1) {
    throw new AdminError(
      'usage: npm run models:publish -- <name> [--dir models/<name>] [--url URL] [--min-metric k=v …]',
    );
  }
  const thresholds = {
    min: parseThresholds(values['min-metric'], '--min-metric'),
    max: parseThresholds(values['max-metric'], '--max-metric'),
  };
  const token = values['dry-run'] ? '' : adminTokenFromEnv();
  const model = await validateModel(name, values.dir ?? join('models', name), thresholds);
  console.log(
    `${name}@${model.manifest.version}: manifest, sha256, ONNX on ${PARITY_ROWS} parity inputs and metrics are fine`,
  );
  if (values['dry-run']) return;
  const result = await publishModel(new AdminClient(values.url, token), model);
  const uploaded =
    result.uploaded.length === 0 ? 'nothing new to upload' : `uploaded ${result.uploaded.join(', ')}`;
  console.log(
    `${name}: ${uploaded}; current ${result.previous ?? '(bundled)'} → ${result.version} on ${values.url}`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof PublishRefused || error instanceof AdminError ? error.message : error);
    process.exitCode = 1;
  });
}

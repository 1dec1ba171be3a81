// Builds an embedding model's reference index (worker/contract/reference-index.ts): embeds the reference
// set with the model's own ONNX graph (onnxruntime-node, the artefact the worker serves), writes the
// vectors, labels and images beside the graph, and names them in the manifest with their sha256 and size.
// Deterministic: the same graph and data give the same bytes, so a rerun changes nothing; a changed index
// takes the next patch version (../model-version.ts), as a new int8 variant does.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import type { Dataset } from '../../train/data/dataset';
import { type FashionMnistOptions, loadFashionMnistSplit } from '../../train/data/fashion-mnist';
import { loadMnist, MNIST_SPLIT } from '../../train/data/mnist';
import { sha256Hex } from '../../train/export/artifact';
import { runInBatches } from '../../train/export/parity';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import {
  type Manifest,
  ManifestSchema,
  type Reference,
  ReferenceSchema,
} from '../../worker/contract/manifest';
import {
  encodeReferenceImages,
  encodeReferenceVectors,
  MAX_REFERENCE_CLASSES,
  REFERENCE_ENCODING,
  REFERENCE_FILES,
} from '../../worker/contract/reference-index';
import { bumpPatch } from '../model-version';
import { withoutStaleDerivatives } from '../stale-derivatives';

export const INDEX_COMMAND = 'npm run models:index --';
const EMBED_BATCH = 500;

/** A model's dataset split that its index is built from, and the split its held-out queries come from. */
export interface ReferenceData {
  /** manifest.reference.set: what was embedded, in words a reader can reproduce. */
  set: string;
  reference: Dataset;
  /** Images the index never saw (the training split), to measure precision@k on. */
  heldOut: () => Promise<Dataset>;
}

/** Why a model gets no index: named with the model, in a sentence. */
export class IndexRefused extends Error {
  override name = 'IndexRefused';
}

/** The dataset's test split: the demo's gallery images are in it, and no model trained on it. */
export async function referenceDataOf(
  manifest: Pick<Manifest, 'name' | 'dataset'>,
  options: FashionMnistOptions = {},
): Promise<ReferenceData> {
  const data = await referenceDataFor(manifest.dataset.name, options);
  if (data === undefined) {
    throw new IndexRefused(
      `"${manifest.name}" was trained on a "${manifest.dataset.name}" dataset, which has no fixed test split to index`,
    );
  }
  return data;
}

/** The reference set of a dataset, or undefined for one without a fixed test split (a folder of images). */
export async function referenceDataFor(
  dataset: string,
  options: FashionMnistOptions = {},
): Promise<ReferenceData | undefined> {
  if (dataset === 'fashion-mnist') {
    const reference = await loadFashionMnistSplit('t10k', options);
    return {
      set: `Fashion-MNIST test split (t10k), all ${reference.count.toLocaleString('en')} images in file order: index i is image i of t10k-images-idx3-ubyte`,
      reference,
      heldOut: () => loadFashionMnistSplit('train', options),
    };
  }
  if (dataset === 'mnist') {
    const { train, test } = loadMnist();
    return {
      set: `MNIST test split (${MNIST_SPLIT}), all ${test.count.toLocaleString('en')} images, digit 0 first, each digit in package order`,
      reference: test,
      heldOut: async () => train,
    };
  }
  return undefined;
}

/**
 * A model's manifest without its reference index, if it has one: the index is rebuilt from scratch, so an
 * old one (built by another graph, or in an older format) must not stop the rebuild. Nor must an int8
 * variant made from an earlier graph (../stale-derivatives.ts): it is left out, for models:quantize to remake.
 */
export function readManifest(modelsDir: string, name: string): Manifest {
  const path = join(modelsDir, name, 'manifest.json');
  if (!existsSync(path)) throw new IndexRefused(`"${name}" has no ${path}`);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const { reference: _, ...rest } = withoutStaleDerivatives(json).manifest;
  const tasks = Array.isArray(json['tasks'])
    ? json['tasks'].filter((task) => task !== 'neighbors')
    : json['tasks'];
  return ManifestSchema.parse({ ...rest, tasks });
}

/** Models that can have an index: image models that embed. */
export function indexable(manifest: Manifest): string | undefined {
  if (manifest.input.layout !== '28x28-row-major') return `"${manifest.name}" is a text model`;
  if (!manifest.tasks.includes('embed') || manifest.outputs['embedding'] === undefined) {
    return `"${manifest.name}" does not embed (tasks: ${manifest.tasks.join(', ')})`;
  }
  return undefined;
}

/** Runs `images` (N×784) through the model's graph; its `embedding` output, N × dims. */
export async function embedWith(
  modelsDir: string,
  manifest: Manifest,
  images: Float32Array,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(
    readFileSync(join(modelsDir, manifest.name, manifest.onnx.file)),
  );
  try {
    const output = manifest.outputs['embedding']!.name;
    const out = await runInBatches(session, manifest.input.name, images, IMAGE_PIXELS, [output], EMBED_BATCH);
    return out[output]!;
  } finally {
    await session.release();
  }
}

export interface BuiltIndex {
  manifest: Manifest;
  /** The bytes of each file written, by its name. */
  files: Record<string, number>;
  embedSeconds: number;
}

export async function buildReferenceIndex(
  modelsDir: string,
  name: string,
  data: ReferenceData,
): Promise<BuiltIndex> {
  const manifest = readManifest(modelsDir, name);
  const refused = indexable(manifest);
  if (refused !== undefined) throw new IndexRefused(refused);
  const { reference: set } = data;
  if (set.classNames.length < 1 || set.classNames.length > MAX_REFERENCE_CLASSES) {
    throw new IndexRefused(`"${name}": its dataset has ${set.classNames.length} classes, not 1–256`);
  }
  const dims = manifest.outputs['embedding']!.shape[0]!;
  const started = performance.now();
  const embeddings = await embedWith(modelsDir, manifest, set.images);
  const embedSeconds = (performance.now() - started) / 1000;

  const dir = join(modelsDir, name);
  const written: Record<string, number> = {};
  const pending: { file: string; bytes: Uint8Array }[] = [];
  const write = (file: string, bytes: Uint8Array) => {
    pending.push({ file, bytes });
    written[file] = bytes.byteLength;
    return { file, sha256: sha256Hex(bytes), bytes: bytes.byteLength };
  };
  // mtime 0 in the gzip header (Node's default): the same images give the same bytes on every run.
  const images = gzipSync(encodeReferenceImages(set.images), { level: 9 });
  const reference: Reference = {
    set: data.set,
    count: set.count,
    dims,
    encoding: REFERENCE_ENCODING,
    vectors: write(REFERENCE_FILES.vectors, encodeReferenceVectors(embeddings, dims)),
    labels: write(REFERENCE_FILES.labels, set.labels.slice(0, set.count)),
    classNames: [...set.classNames],
    images: write(REFERENCE_FILES.images, images),
    embeddedBy: manifest.onnx.sha256,
    command: `${INDEX_COMMAND} ${name}`,
  };
  const tasks = manifest.tasks.includes('neighbors')
    ? manifest.tasks
    : [...manifest.tasks, 'neighbors' as const];
  // The index the manifest named before (readManifest leaves it out), as this command wrote it: in the
  // schema's key order, as the new one is compared.
  const previous = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { reference?: unknown })
    .reference;
  const changed = JSON.stringify(previous) !== JSON.stringify(ReferenceSchema.parse(reference));
  const updated = ManifestSchema.parse({
    ...manifest,
    version: changed ? bumpPatch(manifest.version) : manifest.version,
    tasks,
    reference,
  });
  // Unchanged files are the recorded bytes: written again only where missing.
  for (const { file, bytes } of pending) {
    if (changed || !existsSync(join(dir, file))) writeFileSync(join(dir, file), bytes);
  }
  if (changed) writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(updated, null, 2)}\n`);
  return { manifest: updated, files: written, embedSeconds };
}

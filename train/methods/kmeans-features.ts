// What k-means clusters: raw pixels, a PCA embedding, or any encoder's embedding — from a model the
// CLI has just trained (in memory) or a committed one (its ONNX graph, so the served graph can be
// composed at the ONNX level and /v1/cluster stays one session run).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { ManifestSchema } from '../../worker/schemas/manifest';
import { IMAGE_INPUT } from '../export/artifact';
import type { FeatureEncoder } from '../export/kmeans-graph';
import { runInBatches } from '../export/parity';
import type { PcaProjection } from '../export/pca-graph';
import { pcaEmbed } from './pca';

/** Embeddings from an ONNX model's `output`, one session, in batches of 1,024 images. */
async function onnxEmbeddings(
  bytes: Uint8Array,
  images: Float32Array,
  output: string,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const pixels = IMAGE_INPUT.shape[1];
    return (await runInBatches(session, session.inputNames[0]!, images, pixels, [output], 1024))[output]!;
  } finally {
    await session.release();
  }
}

/** Embeddings from a tfjs encoder (the output the k-means graph will use), batched, leak-free. */
function layersEmbeddings(model: tf.LayersModel, images: Float32Array, output: string): Float32Array {
  const at = model.outputNames.indexOf(output);
  const dim = model.outputs[at]!.shape[1] as number;
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  const pixels = IMAGE_INPUT.shape[1];
  const n = images.length / pixels;
  const all = new Float32Array(n * dim);
  for (let start = 0; start < n; start += 512) {
    const end = Math.min(n, start + 512);
    const values = tf.tidy(() => {
      const x = tf.tensor(images.subarray(start * pixels, end * pixels), [end - start, ...inShape]);
      const y = model.predict(x);
      return (Array.isArray(y) ? y[at]! : y).dataSync();
    });
    all.set(values, start * dim);
  }
  return all;
}

/** In-memory models the CLI has just trained, by the name `features` refers to. */
export interface FeatureModels {
  pca?: Record<string, PcaProjection>;
  encoders?: Record<string, tf.LayersModel>;
}

export interface FeatureSource {
  encoder: FeatureEncoder;
  embed: (images: Float32Array) => Promise<Float32Array>;
  describe: string;
}

/**
 * Resolves config.features: an in-memory PCA or tfjs encoder passed by the caller wins; otherwise the
 * committed model <modelsDir>/<name> is used through its ONNX graph (features by onnxruntime-node,
 * served graph by ONNX-level composition), so any exported encoder works.
 */
export function featureSource(features: string, modelsDir: string, models: FeatureModels): FeatureSource {
  if (features === 'pixels')
    return { encoder: { kind: 'pixels' }, embed: async (x) => x, describe: 'raw pixels' };
  const [kind, name] = features.split(':') as ['pca' | 'encoder', string];
  const pca = kind === 'pca' ? models.pca?.[name] : undefined;
  if (pca) {
    return {
      encoder: { kind: 'pca', projection: pca },
      embed: async (x) => Float32Array.from(pcaEmbed(pca, x)),
      describe: `the ${pca.k}-d PCA embedding of ${name}`,
    };
  }
  const model = kind === 'encoder' ? models.encoders?.[name] : undefined;
  if (model) {
    const output = model.outputNames.includes('embedding') ? 'embedding' : model.outputNames[0]!;
    return {
      encoder: { kind: 'layers', model, output },
      embed: async (x) => layersEmbeddings(model, x, output),
      describe: `the ${output} of encoder ${name}`,
    };
  }
  const manifestPath = join(modelsDir, name, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`k-means features ${features}: no model "${name}" in ${modelsDir} (train it first)`);
  }
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  if (kind === 'pca' && manifest.method !== 'pca') {
    throw new Error(`k-means features ${features}: ${name} is a ${manifest.method} model, not pca`);
  }
  const embedding = manifest.outputs.embedding?.name;
  if (!embedding) throw new Error(`k-means features ${features}: ${name} has no embedding output`);
  const bytes = new Uint8Array(readFileSync(join(modelsDir, name, manifest.onnx.file)));
  return {
    encoder: { kind: 'onnx', bytes, output: embedding },
    embed: (x) => onnxEmbeddings(bytes, x, embedding),
    describe: `the ${manifest.outputs.embedding!.shape[0]}-d embedding of ${name} (${manifest.method})`,
  };
}

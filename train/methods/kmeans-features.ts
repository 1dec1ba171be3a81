// What k-means clusters: raw pixels, or the embedding of a committed PCA or encoder model (through its
// ONNX graph, so the served graph can be composed at the ONNX level and /v1/cluster stays one session run).
import type { FeatureEncoder } from '../export/kmeans-graph';
import { onnxEmbed, readEncoder } from './committed-encoder';

export interface FeatureSource {
  encoder: FeatureEncoder;
  embed: (images: Float32Array) => Promise<Float32Array>;
  describe: string;
}

/**
 * Resolves config.features: pixels, or the committed model <modelsDir>/<name> through its ONNX graph
 * (features by onnxruntime-node, served graph by ONNX-level composition), so any exported encoder works.
 */
export function featureSource(features: string, modelsDir: string): FeatureSource {
  if (features === 'pixels')
    return { encoder: { kind: 'pixels' }, embed: async (x) => x, describe: 'raw pixels' };
  const [kind, name] = features.split(':') as ['pca' | 'encoder', string];
  const encoder = readEncoder(
    modelsDir,
    name,
    `k-means features ${features}`,
    kind === 'pca' ? 'pca' : undefined,
  );
  const { manifest, bytes } = encoder;
  const embedding = manifest.outputs.embedding!.name;
  return {
    encoder: { kind: 'onnx', bytes, output: embedding },
    embed: (x) => onnxEmbed(encoder, x),
    describe: `the ${manifest.outputs.embedding!.shape[0]}-d embedding of ${name} (${manifest.method})`,
  };
}

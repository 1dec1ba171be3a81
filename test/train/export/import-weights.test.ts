// importLayerWeights reads back what exportLayersModel wrote: a conv autoencoder (Conv2D, Dense and
// the decoder's Conv2DTranspose) rebuilt with other initial weights must compute the exported graph.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { importLayerWeights } from '../../../train/export/import-weights';
import { exportLayersModel } from '../../../train/export/layers-model';
import { maxScaledDifference, runOnnx } from '../../../train/export/parity';
import { buildConvAutoencoder } from '../../../train/models/conv-autoencoder';
import { createRng } from '../../../worker/contract/rng';

describe('importLayerWeights', () => {
  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
  });

  it('restores a conv autoencoder, transposed convolutions included, to its graph within 1e-4', async () => {
    const original = buildConvAutoencoder({ filters: [4, 8], bottleneck: 8, seed: 1 });
    const onnx = exportLayersModel(original, {
      inputNames: ['x'],
      outputNames: ['embedding', 'reconstruction'],
    });
    original.dispose();
    const rebuilt = buildConvAutoencoder({ filters: [4, 8], bottleneck: 8, seed: 2 });
    expect(importLayerWeights(rebuilt, onnx)).toBe(6); // 2 conv, 2 dense, 2 transposed conv
    const rng = createRng(3);
    const x = Float32Array.from({ length: 4 * 784 }, () => rng.uniform());
    const graph = await runOnnx(onnx, { x: { data: x, shape: [4, 784] } });
    const [embedding, reconstruction] = tf.tidy(() =>
      (rebuilt.predict(tf.tensor2d(x, [4, 784])) as tf.Tensor[]).map((t) => t.dataSync()),
    );
    expect(maxScaledDifference(graph.embedding!, embedding!)).toBeLessThan(1e-4);
    expect(maxScaledDifference(graph.reconstruction!, reconstruction!)).toBeLessThan(1e-4);
    rebuilt.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../../train/data/mnist';
import { spreadSubset } from '../../../train/data/subset';
import { maxAbsDifference, PARITY_TOLERANCE, runOnnx } from '../../../train/export/parity';
import { exportPcaGraph } from '../../../train/export/pca-graph';
import { fitPca, pcaEmbed, pcaReconstruct } from '../../../train/methods/pca';

describe('exportPcaGraph', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('computes embedding = V(x − μ) and reconstruction = Vᵀh + μ as the float64 reference does', async () => {
    const x = spreadSubset(loadMnist().train, 400).images;
    const before = tf.memory().numTensors;
    const pca = fitPca(x, 784, 24);
    expect(tf.memory().numTensors).toBe(before);
    const out = await runOnnx(exportPcaGraph(pca), {
      x: { data: x.subarray(0, 50 * 784), shape: [50, 784] },
    });
    const h = pcaEmbed(pca, x.subarray(0, 50 * 784));
    expect(maxAbsDifference(h, out.embedding!)).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(maxAbsDifference(pcaReconstruct(pca, h), out.reconstruction!)).toBeLessThanOrEqual(
      PARITY_TOLERANCE,
    );
  });

  it('rejects components of the wrong size', () => {
    const bad = { mean: new Float32Array(4), components: new Float32Array(7), k: 2, dim: 4 };
    expect(() => exportPcaGraph(bad)).toThrowErrorMatchingInlineSnapshot(
      `[Error: PCA graph: mean has 4 values and components 7; expected 4 and 2×4]`,
    );
  });
});

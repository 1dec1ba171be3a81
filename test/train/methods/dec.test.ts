// DEC from a committed encoder (models/mnist-mlp-ae) on 1,000 MNIST training images for a few dozen
// steps: the refinement must not lose test accuracy against its own k-means initialisation, must have
// moved the encoder and the centroids, and the exported graph must assign the clusters the trained
// tfjs model assigns.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { TrainConfigSchema } from '../../../train/config/schema';
import { loadTrainingData } from '../../../train/data/load';
import { spreadSubset } from '../../../train/data/subset';
import { clusteringAccuracy } from '../../../train/eval/clustering';
import { argmaxRows } from '../../../train/eval/probe';
import { runOnnx } from '../../../train/export/parity';
import { onnxEmbed, readEncoder } from '../../../train/methods/committed-encoder';
import { type DecRun, dec, softAssignments, targetDistribution, trainDec } from '../../../train/methods/dec';
import { ManifestSchema } from '../../../worker/contract/manifest';

const REPO_MODELS = resolve(__dirname, '../../../models');
const ENCODER = 'mnist-mlp-ae';

describe('DEC target distribution', () => {
  it('sharpens each row and weighs down large clusters (p ∝ q²/f)', () => {
    const q = softAssignments(new Float32Array([0, 4, 0, 4, 9, 0]), 2); // three points, k = 2
    expect(q[0]).toBeCloseTo(5 / 6, 6); // (1/1) / (1/1 + 1/5)
    const p = targetDistribution(q, 2);
    for (let i = 0; i < 3; i++) expect(p[2 * i]! + p[2 * i + 1]!).toBeCloseTo(1, 6);
    expect(p[0]).toBeGreaterThan(q[0]!); // sharper than q
    expect(Array.from(argmaxRows(p, 2))).toEqual([0, 0, 1]);
  });
});

describe('dec method: a committed autoencoder refined on KL(P‖Q), exported as one cluster graph', () => {
  const root = mkdtempSync(join(tmpdir(), 'pretext-dec-'));
  let run: DecRun;
  let test: { images: Float32Array; labels: Uint8Array; count: number };
  let centroidsBefore: Float32Array;
  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
    const modelsDir = join(root, 'models');
    mkdirSync(modelsDir);
    symlinkSync(join(REPO_MODELS, ENCODER), join(modelsDir, ENCODER));
    const config = TrainConfigSchema.parse({
      ...dec.preset,
      name: 'tiny-dec',
      dataset: 'mnist',
      encoder: ENCODER,
      trainLimit: 1000,
      epochs: 6,
      batchSize: 100,
      learningRate: 1e-3,
      updateInterval: 10,
      tol: 0,
      augmentShift: 0, // plain DEC: the recipe this test was measured with
      restarts: 2,
      progress: false,
      modelsDir,
      runsDir: join(root, 'runs'),
    });
    const full = await loadTrainingData(config);
    const data = { ...full, test: spreadSubset(full.test, 500) };
    test = data.test;
    run = await trainDec({
      config,
      data,
      runDir: join(root, 'runs', 'tiny-dec'),
      command: 'npm run train -- dec (test)',
      backend: tf.getBackend(),
      log: () => {},
    });
    centroidsBefore = Float32Array.from(run.clustering.initial);
  });
  afterAll(() => {
    run?.model.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('learned: test accuracy after refinement is at least the k-means initialisation, and it changed', () => {
    const m = run.metrics;
    expect(m.accuracyBeforeRefinement).toBeGreaterThan(0.3); // the committed encoder clusters digits
    expect(m.accuracy).toBeGreaterThanOrEqual(m.accuracyBeforeRefinement!);
    expect(m.nmi).toBeGreaterThan(0.3);
    // The centroids moved (they are trained, not frozen k-means centroids).
    const after = run.clustering.values();
    const moved = Math.max(...after.map((v, i) => Math.abs(v - centroidsBefore[i]!)));
    expect(moved).toBeGreaterThan(1e-3);
  });

  it('the encoder was refined: its embedding is no longer the committed graph’s', async () => {
    const images = test.images.subarray(0, 64 * 784);
    const committed = await onnxEmbed(readEncoder(join(root, 'models'), ENCODER), images);
    const now = tf.tidy(() => (run.encoder.predict(tf.tensor2d(images, [64, 784])) as tf.Tensor).dataSync());
    const diff = Math.max(...Array.from(now, (v, i) => Math.abs(v - committed[i]!)));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it("the graph's cluster ids are the tfjs model's argmax Q on all 500 test images", async () => {
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(root, 'models', 'tiny-dec', 'manifest.json'), 'utf8')),
    );
    expect(manifest).toMatchObject({ method: 'dec', tasks: ['cluster'] });
    expect(manifest.outputs).toEqual({
      cluster: { name: 'cluster', shape: [] },
      distances: { name: 'distances', shape: [10] },
    });
    expect(manifest.training.config).toMatchObject({
      encoderSource: { name: ENCODER, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const bytes = new Uint8Array(readFileSync(join(root, 'models', 'tiny-dec', 'model.onnx')));
    const graph = await runOnnx(bytes, { x: { data: test.images, shape: [test.count, 784] } });
    const q = tf.tidy(
      () =>
        (
          run.model.predict(tf.tensor2d(test.images, [test.count, 784])) as tf.Tensor
        ).dataSync() as Float32Array,
    );
    const tfjsClusters = argmaxRows(q, 10);
    const graphClusters = Int32Array.from(graph.cluster!);
    const disagree = tfjsClusters.filter((c, i) => c !== graphClusters[i]).length;
    expect(disagree).toBeLessThanOrEqual(1); // a float32 near-tie at most
    expect(clusteringAccuracy(graphClusters, test.labels)).toBeCloseTo(run.metrics.accuracy!, 2);
  });
});

// Every method of the autoencoder family trains a few steps on a tiny subset and writes a model the
// worker can serve: schema-valid manifest, parity within 1e-4, its roles and its extra metrics.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { TrainConfigSchema } from '../../../train/config/schema';
import { loadTrainingData } from '../../../train/data/load';
import { METHODS } from '../../../train/methods/index';
import { ManifestSchema } from '../../../worker/contract/manifest';

const dir = mkdtempSync(join(tmpdir(), 'pretext-aes-'));
beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trainTiny(method: string, extra: Record<string, unknown> = {}) {
  const m = METHODS[method]!;
  const config = TrainConfigSchema.parse({
    ...m.preset,
    dataset: 'mnist',
    name: `tiny-${method}`,
    epochs: 1,
    trainLimit: 128,
    batchSize: 64,
    hidden: [32],
    bottleneck: 8,
    convFilters: [4, 8],
    progress: false,
    modelsDir: join(dir, 'models'),
    runsDir: join(dir, 'runs'),
    ...extra,
  });
  const before = tf.memory().numTensors;
  const result = await m.run({
    config,
    data: await loadTrainingData(config),
    runDir: join(dir, 'runs', config.name),
    command: `npm run train -- ${method}`,
    backend: 'wasm',
    log: () => {},
  });
  expect(tf.memory().numTensors).toBe(before);
  const folder = join(dir, 'models', config.name);
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')));
  expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
  expect(
    createHash('sha256')
      .update(readFileSync(join(folder, 'model.onnx')))
      .digest('hex'),
  ).toBe(manifest.onnx.sha256);
  return { manifest, result, folder };
}

describe('autoencoder family', () => {
  it('conv-ae: conv encoder/decoder, embed + reconstruct', async () => {
    const { manifest } = await trainTiny('conv-ae');
    expect(manifest.method).toBe('conv-ae');
    expect(manifest.outputs).toEqual({
      embedding: { name: 'embedding', shape: [8] },
      reconstruction: { name: 'reconstruction', shape: [784] },
    });
  });

  it('sparse-ae: reports the fraction of near-zero code units', async () => {
    const { manifest } = await trainTiny('sparse-ae', { sparsityWeight: 0.01 });
    expect(manifest.metrics.nearZeroCodeFraction).toBeGreaterThanOrEqual(0);
    expect(manifest.metrics.nearZeroCodeFraction).toBeLessThanOrEqual(1);
  });

  it('contractive-ae: one sigmoid encoder layer, reports ‖J‖²_F on the test split', async () => {
    const { manifest } = await trainTiny('contractive-ae');
    expect(manifest.metrics.jacobianFrobeniusSq).toBeGreaterThan(0);
  });

  it('dae: serves denoise; its output is cleaner than its noisy input (PSNR at σ 0.3, 0.5, masking 0.5)', async () => {
    const { manifest } = await trainTiny('dae', {
      corruption: 'gaussian',
      noiseLevel: 0.5,
      trainLimit: 1024,
      epochs: 3,
      hidden: [64],
      bottleneck: 16,
    });
    expect(manifest.tasks).toEqual(['denoise', 'embed', 'reconstruct']);
    expect(manifest.outputs.denoised).toEqual({ name: 'reconstruction', shape: [784] });
    for (const key of ['gaussian0.3', 'gaussian0.5', 'masking0.5']) {
      expect(manifest.metrics[`psnrGain_${key}`]).toBeCloseTo(
        manifest.metrics[`psnrDenoised_${key}`]! - manifest.metrics[`psnrNoisy_${key}`]!,
        3,
      );
    }
    // Trained on σ = 0.5: a denoiser that learned nothing would not beat the noisy input.
    expect(manifest.metrics['psnrGain_gaussian0.5']).toBeGreaterThan(1); // measured 1.96 dB
  });

  it('vae: exports the reconstruction path and a generator with its own sha256, reports the ELBO', async () => {
    const { manifest, folder } = await trainTiny('vae');
    expect(manifest.tasks).toContain('generate');
    expect(manifest.metrics.elbo).toBeLessThan(0);
    const generator = manifest.generator!;
    expect(generator.latent).toEqual({ name: 'z', dims: 8 });
    expect(generator.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    const bytes = readFileSync(join(folder, generator.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(generator.sha256);
  });
});

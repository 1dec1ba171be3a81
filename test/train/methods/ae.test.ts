import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AeConfigSchema, trainAutoencoder } from '../../../train/methods/ae';
import { ManifestSchema, ModelIndexSchema } from '../../../worker/schemas/manifest';

describe('ae method: train a few steps on a tiny subset, export, write the artifact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-ae-'));
  let result: Awaited<ReturnType<typeof trainAutoencoder>>;
  const lines: string[] = [];

  beforeAll(async () => {
    await tf.setBackend('wasm');
    const config = AeConfigSchema.parse({ epochs: 2, trainLimit: 256, batchSize: 64, name: 'tiny-ae' });
    result = await trainAutoencoder(config, {
      modelsDir: dir,
      command: 'test',
      backend: tf.getBackend(),
      log: (l) => lines.push(l),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('learns: the second epoch has a lower loss than the first, and the loss is finite', () => {
    expect(result.history.trainLoss).toHaveLength(2);
    expect(result.history.trainLoss[1]!).toBeLessThan(result.history.trainLoss[0]!);
    expect(Number.isFinite(result.history.finalLoss)).toBe(true);
    expect(result.history.steps).toBe(8);
  });

  it('writes a manifest that passes the schema, whose sha256 and size match model.onnx', () => {
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(dir, 'tiny-ae', 'manifest.json'), 'utf8')),
    );
    const bytes = readFileSync(join(dir, 'tiny-ae', 'model.onnx'));
    expect(manifest.onnx.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(manifest.onnx.bytes).toBe(bytes.byteLength);
    expect(manifest.onnx).toMatchObject({ irVersion: 8, opset: 17 });
    expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    expect(manifest.dataset.trainSize).toBe(256);
    expect(manifest.metrics.mse).toBeCloseTo(result.metrics.mse, 10);
    expect(manifest.training.config).toMatchObject({ epochs: 2, trainLimit: 256 });
  });

  it('registers the model as the default for its tasks', () => {
    const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')));
    expect(index).toEqual({ models: ['tiny-ae'], defaults: { embed: 'tiny-ae', reconstruct: 'tiny-ae' } });
  });

  it('rejects an unknown config key instead of ignoring it', () => {
    expect(() => AeConfigSchema.parse({ epoch: 3 })).toThrow(/epoch/);
  });
});

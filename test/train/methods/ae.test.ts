import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { TrainConfigSchema } from '../../../train/config/schema';
import { loadTrainingData } from '../../../train/data/load';
import { ae } from '../../../train/methods/ae';
import type { MethodResult } from '../../../train/methods/method';
import { ManifestSchema, ModelIndexSchema } from '../../../worker/contract/manifest';

describe('ae method: train a few steps on a tiny subset, export, write the artifact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-ae-'));
  let result: MethodResult;

  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
    const config = TrainConfigSchema.parse({
      ...ae.preset,
      name: 'tiny-ae',
      epochs: 2,
      trainLimit: 256,
      batchSize: 64,
      hidden: [64],
      progress: false,
      modelsDir: join(dir, 'models'),
      runsDir: join(dir, 'runs'),
    });
    result = await ae.run({
      config,
      data: await loadTrainingData(config),
      runDir: join(dir, 'runs', 'tiny-ae'),
      command: 'npm run train -- ae --epochs 2',
      backend: tf.getBackend(),
      log: () => {},
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a manifest that passes the schema, whose sha256 and size match model.onnx', () => {
    const manifest = ManifestSchema.parse(
      JSON.parse(readFileSync(join(dir, 'models', 'tiny-ae', 'manifest.json'), 'utf8')),
    );
    const bytes = readFileSync(join(dir, 'models', 'tiny-ae', 'model.onnx'));
    expect(manifest.onnx.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(manifest.onnx.bytes).toBe(bytes.byteLength);
    expect(manifest.onnx).toMatchObject({ irVersion: 8, opset: 17 });
    expect(manifest.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    expect(manifest.dataset.trainSize).toBe(256);
    expect(manifest.training).toMatchObject({ epochs: 2, steps: 8, backend: 'wasm' });
    expect(manifest.training.config).toMatchObject({ epochs: 2, trainLimit: 256 });
    expect(manifest.metrics.mse).toBeCloseTo(result.metrics.mse!, 10);
    expect(Number.isFinite(result.finalLoss)).toBe(true);
  });

  it('registers the model as the default for its tasks', () => {
    const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'models', 'index.json'), 'utf8')));
    expect(index).toEqual({ models: ['tiny-ae'], defaults: { embed: 'tiny-ae', reconstruct: 'tiny-ae' } });
  });

  it('leaves a checkpoint, metrics.jsonl and a loss plot beside it', () => {
    const run = join(dir, 'runs', 'tiny-ae');
    expect(existsSync(join(run, 'checkpoint', 'state.json'))).toBe(true);
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'step')).toHaveLength(8);
    expect(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch)).toEqual([1, 2]);
    expect(readFileSync(join(run, 'loss.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { IMAGE_INPUT, writeModelArtifact } from '../../../train/export/artifact';
import { exportLayersModel } from '../../../train/export/layers-model';
import { runOnnx } from '../../../train/export/parity';
import { probe } from '../../../train/methods/probe';
import { buildConvEncoder } from '../../../train/models/conv-encoder';
import { type SmokeRun, smokeRun } from './ssl-support';

/** A committed-looking encoder (random weights): what `probe --encoder` reads from models/. */
function commitEncoder(modelsDir: string) {
  const encoder = buildConvEncoder({ filters: [4, 8], width: 16, seed: 3 });
  const onnx = exportLayersModel(encoder, { inputNames: ['x'], outputNames: ['embedding'] });
  encoder.dispose();
  writeModelArtifact(
    modelsDir,
    {
      name: 'tiny-encoder',
      version: '1.0.0',
      method: 'simclr',
      description: 'random conv encoder',
      tasks: ['embed'],
      dataset: { name: 'mnist', split: 'test fixture', trainSize: 1, testSize: 0 },
      input: IMAGE_INPUT,
      outputs: { embedding: { name: 'embedding', shape: [16] } },
      onnx: { parityMaxAbsError: 0 },
      training: {
        command: 'fixture',
        backend: 'wasm',
        config: { convFilters: [4, 8], representationDim: 16 },
        epochs: 0,
        steps: 0,
        finalLoss: 0,
        durationSeconds: 0,
      },
      metrics: {},
    },
    onnx,
  );
}

describe('probe method: linear probes on a committed encoder, the baseline, /v1/classify export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-probe-'));
  let run: SmokeRun;
  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
    commitEncoder(join(dir, 'models'));
    run = await smokeRun(probe, 'tiny-probe', { encoder: 'tiny-encoder', baselineSteps: 4 }, dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a classify manifest: probabilities over the class names, the embedding, parity ≤ 1e-4', () => {
    const m = run.manifest;
    expect(m).toMatchObject({ method: 'probe', tasks: ['classify'] });
    expect(m.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(m.outputs).toEqual({
      probabilities: { name: 'probabilities', shape: [10] },
      embedding: { name: 'features', shape: [16] },
    });
    expect(m.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    expect(m.dataset.trainSize).toBe(256); // the served probe saw 100% of the (256) labels
    expect(m.description).toMatch(/tiny-encoder 1\.0\.0 \(simclr/);
    for (const key of [
      'linearProbeAccuracy_10pct',
      'linearProbeAccuracy_100pct',
      'scratchAccuracy_10pct',
      'scratchAccuracy_100pct',
      'knnAccuracy',
      'kmeansAccuracy',
      'kmeansNmi',
    ]) {
      expect(m.metrics[key], key).toBeGreaterThanOrEqual(0);
      expect(m.metrics[key], key).toBeLessThanOrEqual(1);
    }
    expect(run.tensors.after).toBe(run.tensors.before);
  });

  it('the served graph gives a distribution over 10 classes and keeps the encoder’s embedding', async () => {
    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 9) / 8);
    const out = await runOnnx(run.onnx, { x: { data: x, shape: [2, 784] } });
    expect(out.probabilities!.length).toBe(20);
    expect(out.probabilities!.subarray(0, 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(out.features!.length).toBe(32);
  });

  it('names a missing --encoder and an unknown model', async () => {
    await expect(smokeRun(probe, 'no-encoder', { encoder: undefined }, dir)).rejects.toThrow(
      /probe needs --encoder <model>/,
    );
    await expect(smokeRun(probe, 'bad-encoder', { encoder: 'nope' }, dir)).rejects.toThrow(
      /no model "nope" in/,
    );
  });
});

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnnx } from '../../../train/export/parity';
import { simclr } from '../../../train/methods/simclr';
import { DOWNSTREAM_METRICS, type SmokeRun, smokeRun } from './ssl-support';

describe('simclr method: one epoch on 256 images, export the encoder, manifest', () => {
  let run: SmokeRun;
  beforeAll(async () => {
    run = await smokeRun(simclr, 'tiny-simclr', { temperature: 0.2 });
  });
  afterAll(() => rmSync(run.dir, { recursive: true, force: true }));

  it('exports the encoder only (x → embedding), with the downstream metrics and parity ≤ 1e-4', () => {
    const m = run.manifest;
    expect(m).toMatchObject({ method: 'simclr', tasks: ['embed'] });
    expect(m.outputs).toEqual({ embedding: { name: 'embedding', shape: [16] } });
    expect(m.onnx.parityMaxAbsError).toBeLessThanOrEqual(1e-4);
    expect(m.training).toMatchObject({ epochs: 1, steps: 4 });
    expect(m.training.config).toMatchObject({ temperature: 0.2, projectionDim: 8 });
    expect(m.training.history?.trainLoss).toHaveLength(1);
    expect(m.training.history?.validationLoss).toHaveLength(1);
    expect(Object.keys(m.metrics).sort()).toEqual([...DOWNSTREAM_METRICS].sort());
    for (const v of Object.values(m.metrics)) expect(v).toBeGreaterThanOrEqual(0);
    // NT-Xent of 2·64 views is at most about log(2·64 − 1) ≈ 4.84 for an untrained encoder.
    expect(run.result.finalLoss).toBeGreaterThan(0);
    expect(run.result.finalLoss).toBeLessThan(6);
    expect(existsSync(join(run.dir, 'runs', 'tiny-simclr', 'checkpoint', 'state.json'))).toBe(true);
    expect(run.tensors.after).toBe(run.tensors.before);
  });

  it('the ONNX graph embeds a batch of images', async () => {
    const x = Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 13) / 12);
    const out = await runOnnx(run.onnx, { x: { data: x, shape: [3, 784] } });
    expect(Object.keys(out)).toEqual(['embedding']);
    expect(out.embedding!.length).toBe(3 * 16);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { TrainConfigSchema } from '../../../train/config/schema';
import {
  type FitOptions,
  InterruptedError,
  NonFiniteLossError,
  type StepContext,
  trainLoop,
} from '../../../train/loop/fit';

// A tiny autoencoder on 8-dimensional data: fast enough to train many times per test.
const D = 8;
const COUNT = 96;
const data = Float32Array.from({ length: COUNT * D }, (_, i) => (Math.sin(i * 1.7) + 1) / 2);

function tinyModel(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [D], units: 3, activation: 'tanh', kernelInitializer: init(seed) }),
      tf.layers.dense({ units: D, activation: 'sigmoid', kernelInitializer: init(seed + 1) }),
    ],
  });
}

const config = TrainConfigSchema.parse({
  epochs: 2,
  batchSize: 16,
  learningRate: 0.05,
  seed: 7,
  progress: false,
});

function options(model: tf.LayersModel, extra: Partial<FitOptions> = {}): FitOptions {
  return {
    model,
    count: COUNT,
    // Noise from ctx.rng makes the test sensitive to the per-step RNG being restored exactly.
    loss: (indices: Uint32Array, ctx: StepContext) =>
      tf.tidy(() => {
        const rows = new Float32Array(indices.length * D);
        indices.forEach((row, k) => {
          for (let j = 0; j < D; j++) rows[k * D + j] = data[row * D + j]! + 0.01 * ctx.rng.normal();
        });
        const x = tf.tensor2d(rows, [indices.length, D]);
        return tf.losses.meanSquaredError(x, model.predict(x) as tf.Tensor2D) as tf.Scalar;
      }),
    config,
    ...extra,
  };
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('trainLoop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-fit-'));
  let reference: { stepLoss: number[]; weights: number[][]; initial: number[][] };

  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
    const model = tinyModel(1);
    const initial = weightsOf(model);
    const result = await trainLoop(options(model));
    reference = { stepLoss: result.stepLoss, weights: weightsOf(model), initial };
    model.dispose();
  });

  it('learns: the loss falls and every weight tensor moves', async () => {
    const first = reference.stepLoss.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = reference.stepLoss.slice(-3).reduce((a, b) => a + b) / 3;
    expect(last).toBeLessThan(0.8 * first);
    for (const [i, w] of reference.weights.entries()) {
      const moved = Math.max(...w.map((v, j) => Math.abs(v - reference.initial[i]![j]!)));
      expect(moved).toBeGreaterThan(1e-3);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is reproducible: same seed, same backend, same loss curve and weights', async () => {
    const model = tinyModel(1);
    const result = await trainLoop(options(model));
    expect(result.steps).toBe(12);
    expect(result.stepLoss).toEqual(reference.stepLoss);
    expect(weightsOf(model)).toEqual(reference.weights);
    model.dispose();
  });

  it('does not leak tensors', async () => {
    const model = tinyModel(1);
    const before = tf.memory().numTensors;
    await trainLoop(
      options(model, {
        runDir: join(dir, 'leak'),
        validationCount: COUNT,
        validationLoss: options(model).loss,
      }),
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('after Ctrl-C saves a checkpoint; --resume ends with the same weights as an uninterrupted run', async () => {
    const runDir = join(dir, 'interrupted');
    const controller = new AbortController();
    const first = tinyModel(1);
    const base = options(first, { runDir });
    const interrupted = trainLoop({
      ...base,
      signal: controller.signal,
      loss: (indices, ctx) => {
        if (ctx.step === 6) controller.abort(); // like Ctrl-C during step 7
        return base.loss(indices, ctx);
      },
    });
    await expect(interrupted).rejects.toThrowError(InterruptedError);
    await expect(interrupted).rejects.toThrow(/interrupted at step 7; checkpoint saved/);
    first.dispose();

    const second = tinyModel(99); // different init: everything must come from the checkpoint
    const resumed = await trainLoop(options(second, { runDir, resume: true }));
    expect(resumed.resumedFromStep).toBe(7);
    expect(resumed.stepLoss).toEqual(reference.stepLoss);
    expect(weightsOf(second)).toEqual(reference.weights);
    second.dispose();
  });

  it("beforeStep sees every step and 'stop' ends the run there; a resumed stopped run takes no more steps", async () => {
    const runDir = join(dir, 'stopped');
    const seen: number[] = [];
    const model = tinyModel(1);
    const stopped = await trainLoop(
      options(model, {
        runDir,
        beforeStep: (step) => {
          seen.push(step);
          return step === 8 ? 'stop' : undefined;
        },
      }),
    );
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stopped.steps).toBe(8);
    expect(stopped.stepLoss).toEqual(reference.stepLoss.slice(0, 8));
    expect(stopped.epochs.map((e) => e.epoch)).toEqual([1, 2]); // the partial second epoch is recorded
    const resumed = await trainLoop(options(model, { runDir, resume: true }));
    expect(resumed.steps).toBe(8);
    model.dispose();
  });

  it('after a hard kill resumes from the last periodic checkpoint and still ends identical', async () => {
    const runDir = join(dir, 'killed');
    const first = tinyModel(1);
    const base = options(first, { runDir, config: { ...config, checkpointEvery: 4 } });
    const crashed = trainLoop({
      ...base,
      loss: (indices, ctx) => {
        if (ctx.step === 9) throw new Error('killed'); // the process dies without saving
        return base.loss(indices, ctx);
      },
    });
    await expect(crashed).rejects.toThrow('killed');
    first.dispose();

    const second = tinyModel(99);
    const resumed = await trainLoop(
      options(second, { runDir, resume: true, config: { ...config, checkpointEvery: 4 } }),
    );
    expect(resumed.resumedFromStep).toBe(8);
    expect(weightsOf(second)).toEqual(reference.weights);
    const steps = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'step')
      .map((l) => l.step);
    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1)); // no duplicated steps after resume
    second.dispose();
  });

  it('stops on a NaN loss with a clear message and keeps the last good checkpoint', async () => {
    const runDir = join(dir, 'nan');
    const model = tinyModel(1);
    const base = options(model, { runDir, config: { ...config, checkpointEvery: 2 } });
    const run = trainLoop({
      ...base,
      loss: (indices, ctx) =>
        ctx.step === 4 ? tf.mul(base.loss(indices, ctx), Number.NaN) : base.loss(indices, ctx),
    });
    await expect(run).rejects.toThrowError(NonFiniteLossError);
    await expect(run).rejects.toThrow(
      /loss became NaN at step 5 \(epoch 1\); training stopped\. The last good checkpoint \(step 4\) is kept/,
    );
    const state = JSON.parse(readFileSync(join(runDir, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.position.step).toBe(4);
    model.dispose();
  });

  it('refuses --resume without a checkpoint', async () => {
    const model = tinyModel(1);
    await expect(trainLoop(options(model, { runDir: join(dir, 'none'), resume: true }))).rejects.toThrow(
      /--resume: no checkpoint/,
    );
    model.dispose();
  });
});

// The training loop every gradient-trained method uses. Reproducible: the order of each epoch and
// the randomness of each step are derived from (seed, epoch) and (seed, step) alone, so a run that
// resumes from a checkpoint takes exactly the steps an uninterrupted run takes.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../worker/contract/rng';
import type { TrainConfig } from '../config/schema';
import { Adam, trainableVariables } from './adam';
import {
  type EpochRecord,
  hasCheckpoint,
  type LoopPosition,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint';
import { RunLog } from './run-log';
import { learningRateAt } from './schedule';
import { epochOrder, STREAMS, streamRng } from './seeding';

export type LoopConfig = Pick<
  TrainConfig,
  | 'epochs'
  | 'batchSize'
  | 'learningRate'
  | 'lrSchedule'
  | 'warmupSteps'
  | 'minLearningRate'
  | 'seed'
  | 'checkpointEvery'
  | 'progress'
>;

export interface StepContext {
  step: number;
  /** Seeded by (seed, step): use it for augmentation and noise so resumed runs stay identical. */
  rng: Rng;
  training: boolean;
}

export interface FitOptions {
  /** The model whose weights are trained and checkpointed. */
  model: tf.LayersModel;
  /** Number of training examples; batches are index sets into them. */
  count: number;
  /** Loss of one batch of example indices (build the tensors from them inside). */
  loss: (indices: Uint32Array, ctx: StepContext) => tf.Scalar;
  /** Number of validation examples; `validationLoss` gets index batches into them. */
  validationCount?: number;
  validationLoss?: (indices: Uint32Array, ctx: StepContext) => tf.Scalar;
  config: LoopConfig;
  /** Where checkpoint/, metrics.jsonl and loss.svg are kept; without it nothing is written. */
  runDir?: string;
  /** The full resolved config, stored in the checkpoint. */
  resolvedConfig?: unknown;
  backend?: string;
  resume?: boolean;
  /** Aborting (Ctrl-C) stops after the current step, saves a checkpoint and throws InterruptedError. */
  signal?: AbortSignal;
  /**
   * Called before every step with its number (also the first step after a resume); returning 'stop'
   * ends training there as if the last epoch had finished (a convergence test, e.g. DEC's). It may
   * do work of its own between steps, such as recomputing targets over the whole split.
   */
  beforeStep?: (step: number) => 'stop' | undefined;
  log?: (line: string) => void;
}

export interface FitResult {
  steps: number;
  epochs: EpochRecord[];
  stepLoss: number[];
  finalLoss: number;
  seconds: number;
  /** Training images per second over the whole run (resumed parts included). */
  samplesPerSecond: number;
  resumedFromStep: number;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** Mean of `loss` over `count` examples in fixed-order batches, without gradients. */
export function meanLoss(
  count: number,
  batchSize: number,
  loss: (indices: Uint32Array, ctx: StepContext) => tf.Scalar,
  seed: number,
): number {
  let total = 0;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const indices = Uint32Array.from({ length: end - start }, (_, i) => start + i);
    const ctx = { step: start, rng: streamRng(seed, STREAMS.validation, start), training: false };
    const value = tf.tidy(() => loss(indices, ctx));
    total += value.dataSync()[0]! * (end - start);
    value.dispose();
  }
  return total / count;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainLoop(o: FitOptions): Promise<FitResult> {
  const { config: c, count } = o;
  if (count <= 0) throw new Error('fit: the training split is empty');
  const batchesPerEpoch = Math.ceil(count / c.batchSize);
  const totalSteps = batchesPerEpoch * c.epochs;
  const optimizer = new Adam(trainableVariables(o.model), { learningRate: c.learningRate });
  const runLog = o.runDir ? new RunLog(o.runDir) : undefined;

  let position: LoopPosition = {
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    stepLoss: [],
    epochs: [],
    epochLossSum: 0,
    epochSeen: 0,
    elapsedSeconds: 0,
  };
  if (o.resume) {
    if (!o.runDir || !hasCheckpoint(o.runDir))
      throw new Error(`--resume: no checkpoint in ${o.runDir ?? '(no run dir)'}`);
    position = (await loadCheckpoint(o.runDir, o.model, optimizer)).position;
    o.log?.(`resumed at step ${position.step} (epoch ${position.epoch + 1}, batch ${position.batchInEpoch})`);
  }
  runLog?.restart(position);
  const resumedFromStep = position.step;
  let lastCheckpointStep = resumedFromStep;
  const save = async () => {
    if (!o.runDir) return;
    await saveCheckpoint(
      o.runDir,
      o.model,
      optimizer,
      position,
      o.resolvedConfig,
      o.backend ?? tf.getBackend(),
    );
    lastCheckpointStep = position.step;
  };

  const bar = runLog?.progressBar(c.progress, totalSteps, position.step);
  const started = performance.now() - position.elapsedSeconds * 1000;
  let windowStart = performance.now();
  let windowSamples = 0;
  let stopped = false;
  try {
    epochs: for (; position.epoch < c.epochs; position.epoch++, position.batchInEpoch = 0) {
      const order = epochOrder(count, c.seed, position.epoch);
      const epochStarted = performance.now();
      for (; position.batchInEpoch < batchesPerEpoch; ) {
        if (o.beforeStep?.(position.step) === 'stop') {
          stopped = true;
          break epochs;
        }
        const from = position.batchInEpoch * c.batchSize;
        const indices = order.subarray(from, Math.min(count, from + c.batchSize));
        const lr = learningRateAt(position.step, totalSteps, c);
        optimizer.learningRate = lr;
        const ctx = {
          step: position.step,
          rng: streamRng(c.seed, STREAMS.step, position.step),
          training: true,
        };
        const loss = optimizer.minimize(() => o.loss(indices, ctx));
        const value = loss.dataSync()[0]!;
        loss.dispose();
        if (!Number.isFinite(value)) {
          const kept =
            lastCheckpointStep > 0 && o.runDir
              ? ` The last good checkpoint (step ${lastCheckpointStep}) is kept in ${o.runDir}/checkpoint; resume with --resume and a lower --learning-rate.`
              : '';
          throw new NonFiniteLossError(
            `loss became ${value} at step ${position.step + 1} (epoch ${position.epoch + 1}); training stopped.${kept}`,
          );
        }
        position.stepLoss.push(value);
        position.epochLossSum += value * indices.length;
        position.epochSeen += indices.length;
        position.samples = (position.samples ?? 0) + indices.length;
        position.step++;
        position.batchInEpoch++;
        windowSamples += indices.length;
        const now = performance.now();
        const samplesPerSecond = windowSamples / Math.max(1e-3, (now - windowStart) / 1000);
        if (now - windowStart > 2000) {
          windowStart = now;
          windowSamples = 0;
        }
        position.elapsedSeconds = (now - started) / 1000;
        runLog?.step({ step: position.step, epoch: position.epoch + 1, loss: value, lr, samplesPerSecond });
        bar?.update(position.step, { loss: value.toFixed(5), speed: samplesPerSecond.toFixed(0) });
        if (c.checkpointEvery > 0 && position.step % c.checkpointEvery === 0) await save();
        await yieldToEventLoop();
        if (o.signal?.aborted) {
          await save();
          throw new InterruptedError(
            `interrupted at step ${position.step}${o.runDir ? `; checkpoint saved in ${o.runDir}/checkpoint (continue with --resume)` : ''}`,
          );
        }
      }
      const record: EpochRecord = {
        epoch: position.epoch + 1,
        trainLoss: position.epochLossSum / position.epochSeen,
        seconds: (performance.now() - epochStarted) / 1000,
      };
      if (o.validationCount && o.validationLoss) {
        record.validationLoss = meanLoss(o.validationCount, 512, o.validationLoss, c.seed);
      }
      position.epochs.push(record);
      position.epochLossSum = 0;
      position.epochSeen = 0;
      runLog?.epoch(record);
      const val = record.validationLoss === undefined ? '' : `  val ${record.validationLoss.toFixed(5)}`;
      bar?.log(`epoch ${record.epoch}/${c.epochs}  loss ${record.trainLoss.toFixed(5)}${val}`);
      if (!bar) o.log?.(`epoch ${record.epoch}/${c.epochs}  loss ${record.trainLoss.toFixed(5)}${val}`);
    }
    if (stopped) {
      // The partial epoch still gets its record; a resumed run finds the loop finished.
      if (position.epochSeen > 0) {
        const record: EpochRecord = {
          epoch: position.epoch + 1,
          trainLoss: position.epochLossSum / position.epochSeen,
          seconds: 0,
        };
        position.epochs.push(record);
        runLog?.epoch(record);
        o.log?.(
          `stopped in epoch ${record.epoch}/${c.epochs} at step ${position.step}, loss ${record.trainLoss.toFixed(5)}`,
        );
      }
      position.epochLossSum = 0;
      position.epochSeen = 0;
      position.epoch = c.epochs;
    }
    position.batchInEpoch = 0;
    await save();
  } finally {
    bar?.stop();
    await runLog?.plot();
    optimizer.dispose();
  }
  return {
    steps: position.step,
    epochs: position.epochs,
    stepLoss: position.stepLoss,
    finalLoss: position.epochs[position.epochs.length - 1]?.trainLoss ?? Number.NaN,
    seconds: position.elapsedSeconds,
    samplesPerSecond: (position.samples ?? 0) / Math.max(1e-9, position.elapsedSeconds),
    resumedFromStep,
  };
}

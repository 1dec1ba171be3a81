// What every method gets from the CLI and gives back: a method is a short file composed from a
// builder, a loss and the shared loop (STYLE.md), registered in methods/index.ts.
import * as tf from '@tensorflow/tfjs';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import { wasmThreads } from '../backend/select';
import type { TrainConfig, TrainConfigInput } from '../config/schema';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { IMAGE_INPUT, type ManifestDraft, type WrittenArtifact } from '../export/artifact';

export interface MethodContext {
  config: TrainConfig;
  data: { train: Dataset; test: Dataset; split: string };
  /** <runs-dir>/<name>: checkpoint, metrics.jsonl, loss.svg. */
  runDir: string;
  /** The exact command line, recorded in the manifest. */
  command: string;
  backend: string;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface MethodResult {
  artifact: WrittenArtifact;
  finalLoss: number;
  metrics: Record<string, number>;
}

export interface Method {
  description: string;
  /** Reads its own corpus (text) instead of the image dataset the CLI would load for it. */
  ownData?: boolean;
  /** The keys this method changes from the schema's defaults. */
  preset: TrainConfigInput;
  run(ctx: MethodContext): Promise<MethodResult>;
}

/** The images of `indices` as a [n, 784] tensor (only the batch is copied). */
export function batchImages(data: Dataset, indices: Uint32Array): tf.Tensor2D {
  return tf.tensor2d(gatherBatch(data, indices).images, [indices.length, IMAGE_PIXELS]);
}

/** The parts of trainLoop's options that every method takes straight from its context. */
export function loopOptions(ctx: MethodContext) {
  return {
    config: ctx.config,
    runDir: ctx.runDir,
    resolvedConfig: ctx.config,
    backend: ctx.backend,
    resume: ctx.config.resume,
    signal: ctx.signal,
    log: ctx.log,
  };
}

/** What a run reports about itself, for the manifest's training record. */
export interface RunSummary {
  steps: number;
  finalLoss: number;
  seconds: number;
  /** Training images per second, when the method trains by gradient steps. */
  samplesPerSecond?: number;
  /** Per-epoch losses, when the method trains by gradient steps. */
  epochs?: readonly { trainLoss: number; validationLoss?: number }[];
}

/**
 * The manifest fields every trained image model shares: its name and version, the data it saw,
 * its input, and how it was trained (the exact command, backend, resolved config, duration).
 */
export function manifestBase(
  ctx: MethodContext,
  run: RunSummary,
): Pick<ManifestDraft, 'name' | 'version' | 'dataset' | 'input' | 'training'> {
  const c = ctx.config;
  return {
    name: c.name,
    version: c.version,
    dataset: {
      name: c.dataset,
      split: ctx.data.split,
      trainSize: ctx.data.train.count,
      testSize: ctx.data.test.count,
    },
    input: IMAGE_INPUT,
    training: {
      command: ctx.command,
      backend: ctx.backend,
      config: c,
      epochs: c.epochs,
      steps: run.steps,
      finalLoss: run.finalLoss,
      durationSeconds: Math.round(run.seconds * 10) / 10,
      ...(run.samplesPerSecond && { samplesPerSecond: Math.round(run.samplesPerSecond) }),
      ...(ctx.backend === 'wasm' && { threads: wasmThreads() }),
      ...(run.epochs && {
        history: {
          trainLoss: run.epochs.map((e) => Number(e.trainLoss.toPrecision(6))),
          validationLoss: run.epochs.flatMap((e) =>
            e.validationLoss === undefined ? [] : [Number(e.validationLoss.toPrecision(6))],
          ),
        },
      }),
    },
  };
}

/** Logs a written model's test metrics and export parity, then where it was written. */
export function logArtifact(
  ctx: MethodContext,
  artifact: { dir: string },
  metrics: Readonly<Record<string, unknown>>,
  parityMaxAbsError: number,
): void {
  const tested = Object.entries(metrics)
    .map(([k, v]) => `${k} ${v}`)
    .join('  ');
  ctx.log(`test ${tested}  parity ${parityMaxAbsError.toExponential(1)}`);
  ctx.log(`→ ${artifact.dir}`);
}

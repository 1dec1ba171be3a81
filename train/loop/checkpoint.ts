// A checkpoint is everything needed to continue a run exactly: model weights (trainable and not,
// e.g. batch-norm statistics), optimizer state (Adam's moments; its step count is the loop's), the
// position in the data (epoch, batch), the loss history and the resolved config. Written
// atomically: the new checkpoint is written beside the old one and swapped in by renames, so a
// process killed at any moment leaves a whole checkpoint (the new one or the previous one).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss?: number;
  seconds: number;
}

export interface LoopPosition {
  /** Optimizer steps taken so far. */
  step: number;
  /** Current epoch (0-based) and how many of its batches are done. */
  epoch: number;
  batchInEpoch: number;
  /** Loss of every step so far, and per-epoch summaries. */
  stepLoss: number[];
  epochs: EpochRecord[];
  /** Sum and count of this epoch's losses so far, so a resumed epoch reports the same mean. */
  epochLossSum: number;
  epochSeen: number;
  elapsedSeconds: number;
  /** Training images consumed so far (0 in checkpoints written before it was recorded). */
  samples?: number;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
}

interface CheckpointFile {
  format: 'pretext-checkpoint/1';
  position: LoopPosition;
  config: unknown;
  backend: string;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
}

export const checkpointDir = (runDir: string) => join(runDir, 'checkpoint');

function pack(tensors: { name: string; tensor: tf.Tensor }[], out: number[][], offset: { value: number }) {
  return tensors.map(({ name, tensor }) => {
    const data = Array.from(tensor.dataSync());
    const entry = { name, shape: tensor.shape, offset: offset.value };
    out.push(data);
    offset.value += data.length;
    return entry;
  });
}

export async function saveCheckpoint(
  runDir: string,
  model: tf.LayersModel,
  optimizer: Adam,
  position: LoopPosition,
  config: unknown,
  backend: string,
): Promise<void> {
  const chunks: number[][] = [];
  const offset = { value: 0 };
  const weights = pack(
    model.weights.map((w) => ({ name: w.originalName, tensor: w.read() })),
    chunks,
    offset,
  );
  const optimizerEntries = pack(optimizer.getWeights(), chunks, offset);
  const flat = new Float32Array(offset.value);
  let at = 0;
  for (const c of chunks) {
    flat.set(c, at);
    at += c.length;
  }
  const file: CheckpointFile = {
    format: 'pretext-checkpoint/1',
    position,
    config,
    backend,
    weights,
    optimizer: optimizerEntries,
  };
  const dir = checkpointDir(runDir);
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'tensors.bin'), new Uint8Array(flat.buffer));
  writeFileSync(join(tmp, 'state.json'), `${JSON.stringify(file)}\n`);
  // checkpoint → checkpoint.old, checkpoint.tmp → checkpoint, then drop .old. Killed between the
  // two renames, only checkpoint.old is whole: readers fall back to it (liveCheckpoint).
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** The folder holding the last whole checkpoint, if any. */
function liveCheckpoint(runDir: string): string | undefined {
  const dir = checkpointDir(runDir);
  for (const candidate of [dir, `${dir}.old`])
    if (existsSync(join(candidate, 'state.json'))) return candidate;
  return undefined;
}

export function hasCheckpoint(runDir: string): boolean {
  return liveCheckpoint(runDir) !== undefined;
}

/** Restores weights and optimizer state in place; returns where the loop stopped and the saved config. */
export async function loadCheckpoint(
  runDir: string,
  model: tf.LayersModel,
  optimizer: Adam,
): Promise<{ position: LoopPosition; config: unknown }> {
  const dir = liveCheckpoint(runDir);
  if (!dir) throw new Error(`no checkpoint in ${checkpointDir(runDir)}: nothing to resume`);
  const file = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointFile;
  if (file.format !== 'pretext-checkpoint/1')
    throw new Error(`${dir}: unknown checkpoint format ${file.format}`);
  const bin = readFileSync(join(dir, 'tensors.bin'));
  const flat = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const slice = (e: TensorEntry) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    return tf.tensor(flat.subarray(e.offset, e.offset + size), e.shape);
  };
  if (file.weights.length !== model.weights.length) {
    throw new Error(
      `${dir}: checkpoint has ${file.weights.length} weights, the model ${model.weights.length}`,
    );
  }
  const weights = file.weights.map(slice);
  model.setWeights(weights);
  tf.dispose(weights);
  const named = file.optimizer.map((e) => ({ name: e.name, tensor: slice(e) }));
  try {
    optimizer.setWeights(named, file.position.step);
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
  return { position: file.position, config: file.config };
}

// Shared setup of the self-supervised method smoke tests: a tiny conv encoder, 256 MNIST training
// and 500 test images, one epoch, temporary models/ and runs/ folders.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../train/backend/select';
import { type TrainConfigInput, TrainConfigSchema } from '../../../train/config/schema';
import { loadTrainingData } from '../../../train/data/load';
import { spreadSubset } from '../../../train/data/subset';
import type { Method, MethodResult } from '../../../train/methods/method';
import { type Manifest, ManifestSchema } from '../../../worker/contract/manifest';

export const TINY: TrainConfigInput = {
  dataset: 'mnist',
  epochs: 1,
  trainLimit: 256,
  batchSize: 64,
  convFilters: [4, 8],
  representationDim: 16,
  projectionHidden: 16,
  projectionDim: 8,
  labelFractions: [0.1, 1],
  probeEpochs: 2,
  progress: false,
};

export interface SmokeRun {
  dir: string;
  result: MethodResult;
  manifest: Manifest;
  onnx: Uint8Array;
  /** tf.memory().numTensors before and after the run. */
  tensors: { before: number; after: number };
}

export async function smokeRun(method: Method, name: string, overrides: TrainConfigInput = {}, dir?: string) {
  await selectBackend({ force: 'wasm', log: () => {} });
  const root = dir ?? mkdtempSync(join(tmpdir(), `pretext-${name}-`));
  const config = TrainConfigSchema.parse({
    ...method.preset,
    ...TINY,
    name,
    modelsDir: join(root, 'models'),
    runsDir: join(root, 'runs'),
    ...overrides,
  });
  // 500 test images (of ~2,000) keep each smoke test fast; every class is still there.
  const full = await loadTrainingData(config);
  const data = { ...full, test: spreadSubset(full.test, 500) };
  const before = tf.memory().numTensors;
  const result = await method.run({
    config,
    data,
    runDir: join(root, 'runs', name),
    command: `npm run train -- ${name}`,
    backend: tf.getBackend(),
    log: () => {},
  });
  const after = tf.memory().numTensors;
  const manifest = ManifestSchema.parse(
    JSON.parse(readFileSync(join(root, 'models', name, 'manifest.json'), 'utf8')),
  );
  const onnx = new Uint8Array(readFileSync(join(root, 'models', name, 'model.onnx')));
  if (manifest.onnx.sha256 !== createHash('sha256').update(onnx).digest('hex'))
    throw new Error('sha256 mismatch');
  return { dir: root, result, manifest, onnx, tensors: { before, after } } satisfies SmokeRun;
}

export const DOWNSTREAM_METRICS = [
  'linearProbeAccuracy_10pct',
  'linearProbeAccuracy_100pct',
  'knnAccuracy',
  'kmeansAccuracy',
  'kmeansNmi',
];
